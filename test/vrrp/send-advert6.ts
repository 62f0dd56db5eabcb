// Test machinery: send VRRPv3 adverts over IPv6 with a chosen hop limit, for the suites that check how
// a receiver drops them (keepalived and the embedded VRRP must log the same line). Run in a lab
// namespace:
//   node --import tsx test/vrrp/send-advert6.ts IFNAME SRC VRID PRIORITY HOPLIMIT COUNT VIP...
// sends COUNT adverts 100 ms apart to ff02::12 from SRC (a link-local address of IFNAME), then exits.
import { VrrpSocket6 } from '../../src/lb/vrrp/io/vrrp-socket6.js';
import { check, int32, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, loadLibc } from '../../src/lb/vrrp/io/libc.js';
import { encodeAdvert } from '../../src/lb/vrrp/packet.js';
import { VRRP_GROUP6 } from '../../src/lb/vrrp/ip6.js';

const [ifname, src, vrid, priority, hops, count, ...vips] = process.argv.slice(2);
const n = Math.min(50, Number(count));
if (!ifname || !src || !vips.length || !(Number(hops) >= 1 && Number(hops) <= 255) || !(n >= 1)) {
  process.stderr.write('usage: send-advert6.ts IFNAME SRC VRID PRIORITY HOPLIMIT COUNT(1..50) VIP...\n');
  process.exit(2);
}
const sock = new VrrpSocket6(ifname, () => undefined);
check(loadLibc().setsockopt(sock.fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, int32(Number(hops)), 4), 'IPV6_MULTICAST_HOPS');
const advert = encodeAdvert({ version: 3, vrid: Number(vrid), priority: Number(priority), addresses: vips, advertInt: 100 }, { src, dst: VRRP_GROUP6 });
for (let i = 0; i < n; i++) {
  if (!sock.send(advert, src)) process.stderr.write(`send ${i + 1} failed: errno ${loadLibc().errno()}\n`);
  await new Promise((r) => setTimeout(r, 100));
}
sock.close();
setTimeout(() => process.exit(0), 300);
