// The forwarding decision per method (ip_vs_xmit.c, ip_vs_bind_xmit): what every packet of a
// connection turns into — NAT rewrites the destination (and the reply's source), DR routes the
// packet unchanged to the real server, TUN encapsulates it to the real server, LOCALNODE delivers it
// here. The core decides; the director daemon applies the rewrite to real packets.
import type { Dest } from './ip_vs.js';
import { IP_VS_CONN_F_DROUTE, IP_VS_CONN_F_FWD_MASK, IP_VS_CONN_F_MASQ, IP_VS_CONN_F_TUNNEL } from './flags.js';
import { equal6 } from './addr.js';
import type { In6Addr, Verdict } from './types.js';

/** Let the packet through untouched (NF_ACCEPT): not IPVS traffic, or nothing to rewrite. */
export const ACCEPT: Verdict = Object.freeze({ action: 'accept' });

/** What ip_vs_bind_xmit reads of a connection (a Conn, conn.ts) and sets on it. */
export interface XmitConn {
  readonly flags: number;
  readonly vaddr: number;
  readonly vport: number;
  readonly daddr: number;
  readonly dport: number;
  readonly dest: Dest | null;
  /** the IPv6 virtual / real server address (null where IPv4; the numbers then are folds) */
  readonly vaddr6: In6Addr | null;
  readonly daddr6: In6Addr | null;
  /** applied to every client packet */
  inVerdict: Verdict;
  /** applied to every NAT reply */
  outVerdict: Verdict;
}

/**
 * ip_vs_bind_xmit: the connection's verdicts by its forwarding method. A conn whose real address
 * and port are its dest's own reuses the dest's (and service's) shared verdict objects, so the
 * packet path allocates nothing.
 */
export function bindXmit(cp: XmitConn): void {
  const d = cp.dest;
  const d6 = cp.daddr6;
  // a verdict names an IPv6 address in its …6 field, with 0 in the number
  const daddr = d6 !== null ? 0 : cp.daddr >>> 0;
  const isDestAddr = d !== null && d.addr === cp.daddr >>> 0 && (d6 === null ? d.addr6 === null : d.addr6 !== null && equal6(d.addr6, d6));
  // only NAT rewrites replies (ip_vs_out handles NAT conns alone)
  cp.outVerdict = ACCEPT;
  switch (cp.flags & IP_VS_CONN_F_FWD_MASK) {
    case IP_VS_CONN_F_MASQ: {
      cp.inVerdict = isDestAddr && d.port === cp.dport ? d.natVerdict : d6 !== null ? { action: 'dnat', daddr, dport: cp.dport, daddr6: d6 } : { action: 'dnat', daddr, dport: cp.dport };
      const svc = d?.svc;
      const v6 = cp.vaddr6;
      const isSvcAddr = svc !== undefined && svc.vaddr === cp.vaddr >>> 0 && svc.port === cp.vport && (v6 === null ? svc.vaddr6 === null : svc.vaddr6 !== null && equal6(svc.vaddr6, v6));
      cp.outVerdict = isSvcAddr
        ? svc.snatVerdict
        : v6 !== null
          ? { action: 'snat', saddr: 0, sport: cp.vport, saddr6: v6 }
          : { action: 'snat', saddr: cp.vaddr >>> 0, sport: cp.vport };
      break;
    }
    case IP_VS_CONN_F_DROUTE:
      cp.inVerdict = isDestAddr ? d.routeVerdict : d6 !== null ? { action: 'route', daddr, daddr6: d6 } : { action: 'route', daddr };
      break;
    case IP_VS_CONN_F_TUNNEL:
      cp.inVerdict = isDestAddr ? d.tunnelVerdict : d6 !== null ? { action: 'tunnel', daddr, daddr6: d6 } : { action: 'tunnel', daddr };
      break;
    default:
      // LOCALNODE (and BYPASS, which the core does not do): delivered here untouched
      cp.inVerdict = ACCEPT;
  }
}
