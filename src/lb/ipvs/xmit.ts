// The forwarding decision per method (ip_vs_xmit.c, ip_vs_bind_xmit): what every packet of a
// connection turns into — NAT rewrites the destination (and the reply's source), DR routes the
// packet unchanged to the real server, TUN encapsulates it to the real server, LOCALNODE delivers it
// here. The core decides; the director daemon applies the rewrite to real packets.
import type { Dest } from './ip_vs.js';
import { IP_VS_CONN_F_DROUTE, IP_VS_CONN_F_FWD_MASK, IP_VS_CONN_F_MASQ, IP_VS_CONN_F_TUNNEL } from './flags.js';
import type { Verdict } from './types.js';

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
  const daddr = cp.daddr >>> 0;
  // only NAT rewrites replies (ip_vs_out handles NAT conns alone)
  cp.outVerdict = ACCEPT;
  switch (cp.flags & IP_VS_CONN_F_FWD_MASK) {
    case IP_VS_CONN_F_MASQ: {
      cp.inVerdict = d !== null && d.addr === daddr && d.port === cp.dport ? d.natVerdict : { action: 'dnat', daddr, dport: cp.dport };
      const svc = d?.svc;
      cp.outVerdict =
        svc && svc.vaddr === cp.vaddr >>> 0 && svc.port === cp.vport ? svc.snatVerdict : { action: 'snat', saddr: cp.vaddr >>> 0, sport: cp.vport };
      break;
    }
    case IP_VS_CONN_F_DROUTE:
      cp.inVerdict = d !== null && d.addr === daddr ? d.routeVerdict : { action: 'route', daddr };
      break;
    case IP_VS_CONN_F_TUNNEL:
      cp.inVerdict = d !== null && d.addr === daddr ? d.tunnelVerdict : { action: 'tunnel', daddr };
      break;
    default:
      // LOCALNODE (and BYPASS, which the core does not do): delivered here untouched
      cp.inVerdict = ACCEPT;
  }
}
