// Virtual services (struct ip_vs_service): identity, scheduler binding, flags, persistence and the
// dest list in the kernel's order — newest first (list_add_rcu at the head).
import { formatIPv4 } from './addr.js';
import type { Dest } from './dest.js';
import { IP_VS_SVC_F_ONEPACKET, IP_VS_SVC_F_PERSISTENT } from './flags.js';
import type { Scheduler } from './sched/scheduler.js';
import { Stats } from './stats.js';
import { IPPROTO_TCP, IPPROTO_UDP, type ServiceKey, type Verdict } from './types.js';

export class Service {
  /** IPPROTO_TCP / IPPROTO_UDP, 0 for fwmark services */
  readonly protocol: number;
  readonly vaddr: number;
  readonly port: number;
  readonly fwmark: number;
  scheduler!: Scheduler;
  /** IP_VS_SVC_F_* bits (persistent, one-packet, scheduler flags) */
  flags = 0;
  /** persistence timeout, seconds */
  timeout = 0;
  /** persistence netmask as a number */
  netmask = 0xffffffff;
  pe: string | undefined;
  /** the -b names as given, for listings */
  schedFlagNames: string[] = [];
  /** newest first */
  readonly dests: Dest[] = [];
  readonly stats = new Stats();
  /** reused for every NAT reply of a connection to this service's own address and port */
  readonly snatVerdict: Verdict;

  constructor(readonly key: ServiceKey, vaddr: number) {
    if (key.kind === 'fwmark') {
      this.protocol = 0;
      this.vaddr = 0;
      this.port = 0;
      this.fwmark = key.fwmark;
    } else {
      this.protocol = key.kind === 'tcp' ? IPPROTO_TCP : IPPROTO_UDP;
      this.vaddr = vaddr;
      this.port = key.port;
      this.fwmark = 0;
    }
    this.snatVerdict = { action: 'snat', saddr: this.vaddr, sport: this.port };
  }

  get persistent(): boolean {
    return (this.flags & IP_VS_SVC_F_PERSISTENT) !== 0;
  }

  get onePacket(): boolean {
    return (this.flags & IP_VS_SVC_F_ONEPACKET) !== 0;
  }

  findDest(addr: number, port: number): Dest | undefined {
    for (const d of this.dests) if (d.addr === addr && d.port === port) return d;
    return undefined;
  }

  /** "TCP 10.0.0.1:80" / "FWM 5", for messages */
  describe(): string {
    return this.key.kind === 'fwmark' ? `FWM ${this.fwmark}` : `${this.key.kind.toUpperCase()} ${formatIPv4(this.vaddr)}:${this.port}`;
  }
}
