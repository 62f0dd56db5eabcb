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

  /** The client resets the connection (SO_LINGER 0 close): its RST moves the entry to CLOSE (10 s, inactive). */
  reset(c: string, vip: string): this {
    this.lines.push(`packet tcp ${c} ${vip} in RA`);
    return this;
  }

  /** A line of data from the client on a held connection, and the server's ACK: the entry's timer restarts
   * with the current ESTABLISHED timeout (what `--set` changed). */
  send(c: string, vip: string): this {
    this.lines.push(`packet tcp ${c} ${vip} in PA`, `packet tcp ${c} ${vip} out A`);
    return this;
  }

  /** open then close at once: a short request */
  request(client: string, vip: string, port = this.port()): this {
    return this.close(this.open(client, vip, port), vip);
  }

  /**
   * One datagram and the real server's reply (replies matter: they mark persistence templates
   * assured). Both carry the replay's payloads as IP total lengths, so byte counters match the
   * kernel's: `hello CLIENT:PORT` out, `RIP:RPORT` back (every real server here is 10.0.0.1x,
   * answering on the virtual port).
   */
  udp(client: string, vip: string, port = this.port()): this {
    const c = `${client}:${port}`;
    const vport = vip.split(':')[1];
    const inLen = 28 + `hello ${c}\n`.length;
    const outLen = 28 + `10.0.0.1x:${vport}\n`.length;
    this.lines.push(`conn udp ${c} ${vip} len=${inLen}`, `packet udp ${c} ${vip} out len=${outLen}`);
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
