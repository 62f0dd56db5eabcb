// Sends raw IPv4 packets as Ethernet frames out of an interface (AF_PACKET, so nothing of the local
// stack fixes their lengths or checksums on the way out), for lab smokes of odd traffic. Run inside a
// lab host's namespace with tsx:
//   node --import tsx test/director/odd-frames.ts IFNAME DEST-MAC < packets (one hex packet per line,
//   `-` for an empty one: a frame with the IPv4 type and nothing after the Ethernet header)
// Prints {"sent": N, "failed": M}.
import { readFileSync } from 'node:fs';
import { AF_PACKET, check, ifIndex, loadLibc, SOCK_RAW } from '../../src/lb/vrrp/io/libc.js';
import { interfaceMac } from '../../src/lb/vrrp/io/garp.js';

const ETH_P_IP = 0x0800;
const [ifname, destMac] = process.argv.slice(2);
if (!ifname || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(destMac ?? '')) {
  process.stderr.write('usage: odd-frames.ts IFNAME DEST-MAC < hex packets, one per line\n');
  process.exit(2);
}
const c = loadLibc();
const fd = check(c.socket(AF_PACKET, SOCK_RAW, 0), 'socket(AF_PACKET)');
const dst = Buffer.from(destMac.split(':').map((h) => parseInt(h, 16)));
const sll = Buffer.alloc(20); // sockaddr_ll
sll.writeUInt16LE(AF_PACKET, 0);
sll.writeUInt16BE(ETH_P_IP, 2);
sll.writeInt32LE(ifIndex(ifname), 4);
sll[11] = 6;
dst.copy(sll, 12);
const head = Buffer.concat([dst, interfaceMac(ifname), Buffer.from([ETH_P_IP >> 8, ETH_P_IP & 0xff])]);
let sent = 0;
let failed = 0;
for (const line of readFileSync(0, 'utf8').split('\n')) {
  const hex = line.trim();
  if (hex !== '-' && !/^([0-9a-f]{2})+$/i.test(hex)) continue;
  const frame = Buffer.concat([head, Buffer.from(hex === '-' ? '' : hex, 'hex')]);
  if (Number(c.sendto(fd, frame, frame.length, 0, sll, 20)) >= 0) sent++;
  else failed++;
}
c.close(fd);
process.stdout.write(JSON.stringify({ sent, failed }) + '\n');
