// Real-server side of the kernel trace replay, run inside a real server's namespace:
// `node server-agent.js ADDR PORT[,PORT...]`. On every port it answers TCP and UDP with its own
// `ADDR:PORT`, which after IPVS NAT is how the client learns which real server took a connection.
// TCP connections stay open until the client closes them (then this side closes too). A `reset`
// line on stdin resets every connection it still holds and answers `reset done`: between two traces
// the replay clears them, since a connection whose director entry expired or went away with its
// namespace never sees the client's close, and a stale one would answer the next trace's SYN from
// the same client port with an ACK instead of a SYN-ACK.
import { createSocket } from 'node:dgram';
import { createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

const [addr, portList] = process.argv.slice(2);
if (!addr || !portList) {
  process.stderr.write('usage: server-agent ADDR PORT[,PORT...]\n');
  process.exit(2);
}
const ports = portList.split(',').map(Number);
// an IPv6 server names itself as ipvsadm writes an IPv6 address and port: [ADDR]:PORT
const v6 = addr.includes(':');
const name = (port: number): string => (v6 ? `[${addr}]:${port}` : `${addr}:${port}`);
const held = new Set<Socket>();
let pending = ports.length * 2;
const ready = () => {
  if (--pending === 0) process.stdout.write('ready\n');
};

for (const port of ports) {
  const tcp = createServer({ allowHalfOpen: false }, (sock) => {
    held.add(sock);
    sock.on('close', () => held.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.write(`${name(port)}\n`);
  });
  tcp.listen(port, addr, ready);
  const udp = createSocket(v6 ? 'udp6' : 'udp4');
  udp.on('message', (_msg, rinfo) => udp.send(`${name(port)}\n`, rinfo.port, rinfo.address));
  udp.bind(port, addr, ready);
}
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'reset') return;
  for (const sock of held) sock.resetAndDestroy();
  held.clear();
  process.stdout.write('reset done\n');
});
process.on('SIGTERM', () => process.exit(0));
