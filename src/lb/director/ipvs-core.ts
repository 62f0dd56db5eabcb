// What the director needs from an IPVS core: the packet path the data plane drives, the ipvsadm
// entry point and the snapshot. The embedded IPVS (built by core.ts) provides it; so does the
// tests' fixture core.
import type { IpvsadmResult, IpvsSnapshot } from '../ipvs/types.js';
import type { PacketCore } from './dataplane.js';

export interface IpvsCore extends PacketCore {
  ipvsadm(argv: string[], stdin?: string): IpvsadmResult;
  snapshot(): IpvsSnapshot;
  /** run the timers that are due (expiry, rate estimator); the core also runs them on packets */
  advance?(): void;
}
