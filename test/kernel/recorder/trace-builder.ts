// Writing traces by hand is error-prone once every TCP connection needs its handshake and close
// spelled out for the embedded core; this builder emits the lines. Real connections in the kernel
// replay do the same segments by themselves.

export class TraceBuilder {
  private lines: string[] = [];
  private nextPort = 40000;

  constructor(header: string[]) {
    this.lines.push(...header.map((h) => `# ${h}`));
  }

  comment(text: string): this {
    this.lines.push(`# ${text}`);
    return this;
  }

  ipvsadm(...commands: string[]): this {
    this.lines.push(...commands);
    return this;
  }

  /** a fresh client source port (the trace never reuses one) */
  port(): number {
    return this.nextPort++;
  }

  /** A TCP connection that completes its handshake and stays open (ESTABLISHED, counted active). */
  open(client: string, vip: string, port = this.port()): string {
    const c = `${client}:${port}`;
    this.lines.push(`conn tcp ${c} ${vip}`, `packet tcp ${c} ${vip} out SA`, `packet tcp ${c} ${vip} in A`);
    return c;
  }

  /** The client closes: FIN, the server's ACK and FIN, the last ACK (ends in TIME_WAIT, inactive). */
  close(c: string, vip: string): this {
    this.lines.push(`packet tcp ${c} ${vip} in FA`, `packet tcp ${c} ${vip} out A`, `packet tcp ${c} ${vip} out FA`, `packet tcp ${c} ${vip} in A`);
    return this;
  }

  /** open then close at once: a short request */
  request(client: string, vip: string, port = this.port()): this {
    return this.close(this.open(client, vip, port), vip);
  }

  /** One datagram and the real server's reply (replies matter: they mark persistence templates assured). */
  udp(client: string, vip: string, port = this.port()): this {
    this.lines.push(`conn udp ${client}:${port} ${vip}`, `packet udp ${client}:${port} ${vip} out`);
    return this;
  }

  advance(seconds: number): this {
    this.lines.push(`advance ${seconds}`);
    return this;
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
