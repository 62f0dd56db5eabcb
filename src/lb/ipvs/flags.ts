// Connection and destination flag bits with the kernel's values (include/uapi/linux/ip_vs.h,
// include/net/ip_vs.h), so that the sync protocol can carry them unchanged.
import type { Forwarding } from './types.js';

export const IP_VS_CONN_F_FWD_MASK = 0x0007;
export const IP_VS_CONN_F_MASQ = 0x0000;
export const IP_VS_CONN_F_LOCALNODE = 0x0001;
export const IP_VS_CONN_F_TUNNEL = 0x0002;
export const IP_VS_CONN_F_DROUTE = 0x0003;
/** cache bypass: no embedded equivalent, only decoded */
export const IP_VS_CONN_F_BYPASS = 0x0004;
export const IP_VS_CONN_F_SYNC = 0x0020;
export const IP_VS_CONN_F_HASHED = 0x0040;
export const IP_VS_CONN_F_NOOUTPUT = 0x0080;
export const IP_VS_CONN_F_INACTIVE = 0x0100;
export const IP_VS_CONN_F_OUT_SEQ = 0x0200;
export const IP_VS_CONN_F_IN_SEQ = 0x0400;
export const IP_VS_CONN_F_SEQ_MASK = 0x0600;
export const IP_VS_CONN_F_NO_CPORT = 0x0800;
export const IP_VS_CONN_F_TEMPLATE = 0x1000;
export const IP_VS_CONN_F_ONE_PACKET = 0x2000;

/** Bits a sync backup takes from a record when it creates the connection. */
export const IP_VS_CONN_F_BACKUP_MASK =
  IP_VS_CONN_F_FWD_MASK |
  IP_VS_CONN_F_NOOUTPUT |
  IP_VS_CONN_F_INACTIVE |
  IP_VS_CONN_F_SEQ_MASK |
  IP_VS_CONN_F_NO_CPORT |
  IP_VS_CONN_F_TEMPLATE;
/** Bits a sync backup updates on a connection it already holds. */
export const IP_VS_CONN_F_BACKUP_UPD_MASK = IP_VS_CONN_F_INACTIVE | IP_VS_CONN_F_SEQ_MASK;

/** Service flags (IP_VS_SVC_F_*). */
export const IP_VS_SVC_F_PERSISTENT = 0x0001;
export const IP_VS_SVC_F_HASHED = 0x0002;
export const IP_VS_SVC_F_ONEPACKET = 0x0004;
export const IP_VS_SVC_F_SCHED1 = 0x0008;
export const IP_VS_SVC_F_SCHED2 = 0x0010;
export const IP_VS_SVC_F_SCHED3 = 0x0020;
export const IP_VS_SVC_F_SCHED_SH_FALLBACK = IP_VS_SVC_F_SCHED1;
export const IP_VS_SVC_F_SCHED_SH_PORT = IP_VS_SVC_F_SCHED2;
export const IP_VS_SVC_F_SCHED_MH_FALLBACK = IP_VS_SVC_F_SCHED1;
export const IP_VS_SVC_F_SCHED_MH_PORT = IP_VS_SVC_F_SCHED2;
/** the three scheduler flag bits together */
export const IP_VS_SVC_F_SCHED_MASK = IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_SCHED3;

/** The scheduler-flag names ipvsadm accepts for `-b`, with their bits. */
export const SCHED_FLAG_BITS: Record<string, number> = {
  'sh-fallback': IP_VS_SVC_F_SCHED1,
  'sh-port': IP_VS_SVC_F_SCHED2,
  'mh-fallback': IP_VS_SVC_F_SCHED1,
  'mh-port': IP_VS_SVC_F_SCHED2,
  'flag-1': IP_VS_SVC_F_SCHED1,
  'flag-2': IP_VS_SVC_F_SCHED2,
  'flag-3': IP_VS_SVC_F_SCHED3,
};

/** The IP_VS_CONN_F_FWD_MASK value of a forwarding method. */
export function fwdFlags(f: Forwarding): number {
  switch (f) {
    case 'masq':
      return IP_VS_CONN_F_MASQ;
    case 'local':
      return IP_VS_CONN_F_LOCALNODE;
    case 'tunnel':
      return IP_VS_CONN_F_TUNNEL;
    case 'route':
      return IP_VS_CONN_F_DROUTE;
  }
}

/** The forwarding method of a connection's flags; undefined for BYPASS, which the core does not do. */
export function forwardingOf(flags: number): Forwarding | undefined {
  switch (flags & IP_VS_CONN_F_FWD_MASK) {
    case IP_VS_CONN_F_MASQ:
      return 'masq';
    case IP_VS_CONN_F_LOCALNODE:
      return 'local';
    case IP_VS_CONN_F_TUNNEL:
      return 'tunnel';
    case IP_VS_CONN_F_DROUTE:
      return 'route';
    default:
      return undefined;
  }
}
