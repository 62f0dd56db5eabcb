// LVS-NAT rewriting of IPv6 packets, in place, as rewrite.ts does IPv4 (the kernel's
// ip_vs_nat_xmit_v6 and ip_vs_nat_icmp_v6): IPv6 has no header checksum, so only the transport
// checksum changes — patched for the address (its pseudo-header part) and the port (RFC 1624).
// ICMPv6 errors about a NATed connection get their outer address and quoted header rewritten and
// their checksum, which covers the pseudo-header, recomputed (they are small).
import { IPPROTO_TCP, IPPROTO_UDP, type In6Addr } from '../ipvs/types.js';
import { l4Checksum6, update128, update16 } from './checksum.js';
import { readU16, writeU16 } from './packet.js';
import { readIn6, writeIn6, type IcmpInner6 } from './packet6.js';

const SADDR6 = 8;
const DADDR6 = 24;

function l4CsumOffset(proto: number): number {
  return proto === IPPROTO_TCP ? 16 : 6;
}

/** Replace the address at `at` (SADDR6/DADDR6) and the port at l4+portAt, fixing the L4 checksum. */
function rewrite6(p: Uint8Array, l4: number, proto: number, at: number, addr: In6Addr, portAt: number, port: number): void {
  const oldPort = readU16(p, l4 + portAt);
  if (proto === IPPROTO_TCP || proto === IPPROTO_UDP) {
    const csAt = l4 + l4CsumOffset(proto);
    // (UDP over IPv6 must carry a checksum, RFC 8200: a 0 is patched like any other value.)
    let cs = update128(readU16(p, csAt), p, at, addr);
    if (oldPort !== port) cs = update16(cs, oldPort, port);
    if (proto === IPPROTO_UDP && cs === 0) cs = 0xffff;
    writeU16(p, csAt, cs);
  }
  writeIn6(p, at, addr);
  if (oldPort !== port) writeU16(p, l4 + portAt, port);
}

/** NAT inbound: client -> VIP:vport becomes client -> RIP:rport. `l4` is the transport header's offset. */
export function rewriteDestination6(p: Uint8Array, l4: number, proto: number, daddr: In6Addr, dport: number): void {
  rewrite6(p, l4, proto, DADDR6, daddr, 2, dport);
}

/** NAT outbound: RIP:rport -> client becomes VIP:vport -> client. */
export function rewriteSource6(p: Uint8Array, l4: number, proto: number, saddr: In6Addr, sport: number): void {
  rewrite6(p, l4, proto, SADDR6, saddr, 0, sport);
}

/**
 * An ICMPv6 error leaving a real server about a NATed connection (it quotes client -> RIP:rport):
 * make it come from the VIP when the real server sent it, and quote client -> VIP:vport.
 */
export function rewriteIcmp6ErrorOut(p: Uint8Array, icmpOff: number, end: number, inner: IcmpInner6, vaddr: In6Addr, vport: number): void {
  const outer = readIn6(p, SADDR6);
  if (outer[0] === inner.daddr6[0] && outer[1] === inner.daddr6[1] && outer[2] === inner.daddr6[2] && outer[3] === inner.daddr6[3]) writeIn6(p, SADDR6, vaddr);
  writeIn6(p, inner.ipOff + DADDR6, vaddr);
  writeU16(p, inner.l4Off + 2, vport);
  fixIcmp6Checksum(p, icmpOff, end);
}

/**
 * An ICMPv6 error arriving for the VIP about a reply we NATed (it quotes VIP:vport -> client): send
 * it on to the real server quoting RIP:rport -> client, as the real server sent it.
 */
export function rewriteIcmp6ErrorIn(p: Uint8Array, icmpOff: number, end: number, inner: IcmpInner6, raddr: In6Addr, rport: number): void {
  writeIn6(p, DADDR6, raddr);
  writeIn6(p, inner.ipOff + SADDR6, raddr);
  writeU16(p, inner.l4Off, rport);
  fixIcmp6Checksum(p, icmpOff, end);
}

function fixIcmp6Checksum(p: Uint8Array, icmpOff: number, end: number): void {
  writeU16(p, icmpOff + 2, l4Checksum6(p, 0, icmpOff, end - icmpOff, 58, 2));
}
