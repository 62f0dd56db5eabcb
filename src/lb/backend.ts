// What both load-balancer implementations offer a lab's directors, so suites run unchanged over either.
// `embedded` = lvslab's director daemon (TypeScript IPVS + VRRP); `kernel` = kernel IPVS via ipvsadm
// plus real keepalived. Implementations: src/lb/director/backend.ts and src/lb/kernel/backend.ts.
import type { IpvsadmResult } from './ipvs/types.js';

export type BackendName = 'embedded' | 'kernel';

export type Availability = { ok: true } | { ok: false; reason: string };

/** How one director is configured: ipvsadm command lines, a keepalived.conf, or both. */
export interface DirectorConfig {
  /** ipvsadm argument lines without the leading `ipvsadm`, applied in order */
  ipvsadm?: string[];
  /** keepalived.conf text; interface names are the lab's (the article presets name them eth0/eth1) */
  keepalivedConf?: string;
  /** the file the keepalived.conf came from, as its messages name it (default `keepalived.conf`) */
  keepalivedFile?: string;
  /** data-plane mode of the embedded backend; the kernel backend ignores it */
  dataplane?: 'per-packet' | 'offload';
  /** the kernel the embedded IPVS models (src/lb/ipvs/kernel.ts: 'pinned', the default, or a
   * mainline version such as '6.7'); the kernel backend ignores it (it is a kernel) */
  kernel?: string;
}

/** A backend bound to one built lab. Handles are the lab's director host names (`ds1`, `ds2`). */
export interface BackendSession {
  readonly backend: BackendName;
  /** configure and start the load balancer on a director */
  startDirector(director: string, config: DirectorConfig): Promise<void>;
  /** run `ipvsadm ARGS` on a director: the same text and exit status real ipvsadm gives */
  ipvsadm(director: string, args: string[], stdin?: string): Promise<IpvsadmResult>;
  /** stop gracefully (keepalived/VRRP sends priority 0) */
  stopDirector(director: string): Promise<void>;
  /**
   * The director crashes: embedded, its data plane and keepalived processes are SIGKILLed (rules and
   * addresses stay behind, as a crash leaves them); kernel, whose IPVS is no process, keepalived is
   * SIGKILLed and the director's links go down (the next startDirector brings it back as after a
   * reboot: links up, IPVS table, VIPs and conntrack gone).
   */
  killDirector(director: string): Promise<void>;
  /**
   * SIGKILL keepalived only (VRRP, health checks): the IPVS data plane keeps forwarding with its
   * table and connections, and the VIPs keepalived added stay on their interfaces, as on Linux when
   * keepalived crashes. Where it does not apply (no keepalived.conf, keepalived not running) the
   * embedded backend throws and the kernel backend does nothing; the API's director handle refuses
   * it first on both (src/api/up.ts).
   */
  killKeepalived(director: string): Promise<void>;
  /** start keepalived again with the director's keepalived.conf (after killKeepalived) */
  startKeepalived(director: string): Promise<void>;
  /** stop everything this session started */
  close(): Promise<void>;
}
