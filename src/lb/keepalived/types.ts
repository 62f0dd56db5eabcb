// The typed description of a keepalived.conf. Fields a file leaves out stay undefined (or empty
// lists / false flags), so rendering writes back what was written; `defaults.ts` says what keepalived
// uses when a field is absent.

/** A statement lvslab accepts (keepalived knows it) but does not act on; kept to render back. */
export interface RawStatement {
  keyword: string;
  args: string[];
  block?: RawStatement[];
}

export interface LvsSyncDaemon {
  interface: string;
  /** the vrrp_instance whose state starts the master or backup daemon */
  instance?: string;
  /** defaults to that instance's virtual_router_id */
  syncId?: number;
  maxlen?: number;
  port?: number;
  ttl?: number;
  group?: string;
}

export interface LvsTimeouts {
  tcp?: number;
  tcpfin?: number;
  udp?: number;
}

export interface GlobalDefs {
  routerId?: string;
  vrrpVersion?: 2 | 3;
  lvsSyncDaemon?: LvsSyncDaemon;
  lvsTimeouts?: LvsTimeouts;
  lvsFlush: boolean;
  vrrpStrict: boolean;
  vrrpGarpMasterDelay?: number;
  vrrpGarpMasterRepeat?: number;
  vrrpGarpMasterRefresh?: number;
  vrrpGarpLowerPrioDelay?: number;
  vrrpGarpLowerPrioRepeat?: number;
  notificationEmail: string[];
  notificationEmailFrom?: string;
  smtpServer?: string;
  smtpConnectTimeout?: number;
  enableScriptSecurity: boolean;
  scriptUser?: string;
  passthrough: RawStatement[];
}

export interface VrrpSyncGroup {
  name: string;
  group: string[];
  notifyMaster?: string;
  notifyBackup?: string;
  notifyFault?: string;
  notifyStop?: string;
  notify?: string;
  smtpAlert: boolean;
  passthrough: RawStatement[];
}

export interface VirtualIpAddress {
  address: string;
  /** keepalived's default for a bare address is /32 */
  prefixLength?: number;
  brd?: string;
  dev?: string;
  scope?: string;
  label?: string;
}

export interface TrackInterface {
  interface: string;
  weight?: number;
}

export interface Authentication {
  authType: 'PASS' | 'AH';
  /** keepalived uses only the first 8 characters */
  authPass: string;
}

export interface VrrpInstance {
  name: string;
  state?: 'MASTER' | 'BACKUP';
  interface?: string;
  virtualRouterId: number;
  priority?: number;
  /** seconds (v3 allows fractions down to 0.01) */
  advertInt?: number;
  version?: 2 | 3;
  nopreempt: boolean;
  preemptDelay?: number;
  authentication?: Authentication;
  virtualIpaddress: VirtualIpAddress[];
  trackInterface: TrackInterface[];
  notifyMaster?: string;
  notifyBackup?: string;
  notifyFault?: string;
  notifyStop?: string;
  notify?: string;
  garpMasterDelay?: number;
  garpMasterRepeat?: number;
  garpMasterRefresh?: number;
  garpMasterRefreshRepeat?: number;
  unicastSrcIp?: string;
  unicastPeer: string[];
  mcastSrcIp?: string;
  /** `native_ipv6`: an IPv6 instance (VRRPv3 over IPv6) even before its addresses say so */
  nativeIpv6?: boolean;
  downTimerAdverts?: number;
  /** deprecated: starts the sync daemon on this interface for this instance */
  lvsSyncDaemonInterface?: string;
  dontTrackPrimary: boolean;
  smtpAlert: boolean;
  passthrough: RawStatement[];
}

export type VirtualServerTarget =
  | { kind: 'ip'; ip: string; port: number }
  | { kind: 'fwmark'; fwmark: number };

export type LvsMethod = 'NAT' | 'DR' | 'TUN';
export type VsProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface TcpCheck {
  type: 'TCP_CHECK';
  connectTimeout?: number;
  connectPort?: number;
  connectIp?: string;
  bindto?: string;
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
}

export interface HttpUrl {
  path: string;
  /** as written: `200`, `200-299` or a comma list */
  statusCode?: string;
  digest?: string;
}

export interface HttpCheck extends Omit<TcpCheck, 'type'> {
  type: 'HTTP_GET' | 'SSL_GET';
  urls: HttpUrl[];
  virtualhost?: string;
}

export interface MiscCheck {
  type: 'MISC_CHECK';
  miscPath: string;
  miscTimeout?: number;
  miscDynamic: boolean;
  warmup?: number;
  retry?: number;
  delayBeforeRetry?: number;
}

export type HealthCheck = TcpCheck | HttpCheck | MiscCheck;

export interface RealServer {
  ip: string;
  port: number;
  weight?: number;
  inhibitOnFailure: boolean;
  /** its own lvs_method; after the parser's checks, the one it uses (its own or the virtual server's) */
  lvsMethod?: LvsMethod;
  /** defaults for its checkers (keepalived: the checker's own, else these, else the virtual server's) */
  alpha?: boolean;
  retry?: number;
  connectTimeout?: number;
  delayLoop?: number;
  warmup?: number;
  delayBeforeRetry?: number;
  uthreshold?: number;
  lthreshold?: number;
  notifyUp?: string;
  notifyDown?: string;
  checks: HealthCheck[];
}

export interface VirtualServer {
  target: VirtualServerTarget;
  /** the service's family: its address's, or a fwmark one's from ip_family or its first real server */
  af?: 4 | 6;
  delayLoop?: number;
  /** lvs_sched, or its old name lb_algo */
  lvsSched?: string;
  /** lvs_method, or its old name lb_kind */
  lvsMethod?: LvsMethod;
  /** seconds; a bare `persistence_timeout` means keepalived's 360 */
  persistenceTimeout?: number;
  persistenceGranularity?: string;
  /** persistence_engine (the kernel knows `sip`); applied only to a persistent service */
  persistenceEngine?: string;
  protocol?: VsProtocol;
  ops: boolean;
  /** the scheduler flag bits set, flag-1..flag-3 (sh-port and friends are read into them as keepalived does) */
  schedFlags: string[];
  quorum?: number;
  hysteresis?: number;
  sorryServer?: { ip: string; port: number };
  /** sorry_server_lvs_method; after the parser's checks, the sorry server's method */
  sorryServerLvsMethod?: LvsMethod;
  /** defaults for the real servers: weight, inhibit_on_failure, and their checkers' settings */
  weight?: number;
  inhibitOnFailure?: boolean;
  retry?: number;
  connectTimeout?: number;
  warmup?: number;
  delayBeforeRetry?: number;
  /** the sorry server stays in the table with weight 0 while real servers serve */
  sorryServerInhibit?: boolean;
  quorumUp?: string;
  quorumDown?: string;
  alpha: boolean;
  omega: boolean;
  haSuspend: boolean;
  virtualhost?: string;
  realServers: RealServer[];
  passthrough: RawStatement[];
}

export interface KeepalivedConfig {
  globalDefs: GlobalDefs;
  vrrpSyncGroups: VrrpSyncGroup[];
  vrrpInstances: VrrpInstance[];
  virtualServers: VirtualServer[];
}
