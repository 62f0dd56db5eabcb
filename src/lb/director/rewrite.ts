// LVS-NAT packet rewriting, in place: destination on the way in, source on the way out, with the IP
// and TCP/UDP checksums patched incrementally (RFC 1624) as the kernel's ip_vs_nat_xmit does. ICMP
// errors about a NATed connection get their outer address and the quoted header rewritten, like
// ip_vs_nat_icmp, and their ICMP checksum recomputed (they are small).
import { IPPROTO_TCP, IPPROTO_UDP } from '../ipvs/types.js';
import { finish, sum16, update16, update32 } from './checksum.js';
import { readU16, readU32, writeU16, writeU32, type IcmpInner } from './packet.js';

const SADDR = 12;
const DADDR = 16;
const IP_CSUM = 10;

function l4CsumOffset(proto: number): number {
  return proto === IPPROTO_TCP ? 16 : 6;
}

/** Replace the 32-bit address at `at` (SADDR/DADDR) and the port at l4+portAt, fixing checksums. */
function rewrite(p: Uint8Array, ihl: number, proto: number, at: number, addr: number, portAt: number, port: number): void {
  const oldAddr = readU32(p, at);
  const oldPort = readU16(p, ihl + portAt);
  if (oldAddr !== addr) {
    writeU32(p, at, addr);
    writeU16(p, IP_CSUM, update32(readU16(p, IP_CSUM), oldAddr, addr));
  }
  if (oldPort !== port) writeU16(p, ihl + portAt, port);
  // A UDP checksum of 0 means "none" and stays 0; a computed 0 is sent as 0xffff (RFC 768).
  if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return;
  const csAt = ihl + l4CsumOffset(proto);
  let cs = readU16(p, csAt);
  if (proto === IPPROTO_UDP && cs === 0) return;
  // The pseudo-header covers the addresses, the header the ports: both land in the L4 checksum.
  // (A first fragment carries the whole datagram's checksum, so the same patch is right for it.)
  if (oldAddr !== addr) cs = update32(cs, oldAddr, addr);
  if (oldPort !== port) cs = update16(cs, oldPort, port);
  if (proto === IPPROTO_UDP && cs === 0) cs = 0xffff;
  writeU16(p, csAt, cs);
}

/** NAT inbound: client -> VIP:vport becomes client -> RIP:rport. */
export function rewriteDestination(p: Uint8Array, ihl: number, proto: number, daddr: number, dport: number): void {
  rewrite(p, ihl, proto, DADDR, daddr, 2, dport);
}

/** NAT outbound: RIP:rport -> client becomes VIP:vport -> client. */
export function rewriteSource(p: Uint8Array, ihl: number, proto: number, saddr: number, sport: number): void {
  rewrite(p, ihl, proto, SADDR, saddr, 0, sport);
}

/**
 * An ICMP error leaving a real server about a NATed connection (the quoted packet is client -> RIP):
 * make it come from the VIP and quote client -> VIP:vport, as the client sent it.
 */
export function rewriteIcmpErrorOut(p: Uint8Array, ihl: number, inner: IcmpInner, vaddr: number, vport: number): void {
  const outerOld = readU32(p, SADDR);
  if (outerOld === inner.daddr) {
    writeU32(p, SADDR, vaddr);
    writeU16(p, IP_CSUM, update32(readU16(p, IP_CSUM), outerOld, vaddr));
  }
  rewriteQuoted(p, inner, DADDR, vaddr, 2, vport);
  fixIcmpChecksum(p, ihl);
}

/**
 * An ICMP error arriving for the VIP about a reply we NATed (the quoted packet is VIP:vport ->
 * client): send it on to the real server quoting RIP:rport -> client, as the real server sent it.
 */
export function rewriteIcmpErrorIn(p: Uint8Array, ihl: number, inner: IcmpInner, raddr: number, rport: number): void {
  const outerOld = readU32(p, DADDR);
  writeU32(p, DADDR, raddr);
  writeU16(p, IP_CSUM, update32(readU16(p, IP_CSUM), outerOld, raddr));
  rewriteQuoted(p, inner, SADDR, raddr, 0, rport);
  fixIcmpChecksum(p, ihl);
}

function rewriteQuoted(p: Uint8Array, inner: IcmpInner, at: number, addr: number, portAt: number, port: number): void {
  const o = inner.ipOff;
  const oldAddr = readU32(p, o + at);
  writeU32(p, o + at, addr);
  writeU16(p, o + IP_CSUM, update32(readU16(p, o + IP_CSUM), oldAddr, addr));
  // The quoted transport checksum is usually cut off (8 bytes quoted) and nobody verifies it;
  // the kernel leaves it alone too.
  writeU16(p, o + inner.ihl + portAt, port);
}

function fixIcmpChecksum(p: Uint8Array, ihl: number): void {
  const total = readU16(p, 2);
  writeU16(p, ihl + 2, 0);
  writeU16(p, ihl + 2, finish(sum16(p, ihl, total)));
}
