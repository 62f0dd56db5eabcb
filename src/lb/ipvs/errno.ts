// What the kernel answers a refused control command: the operation and an errno, nothing else — the
// texts users see are ipvsadm's (libipvs's ipvs_strerror, src/lb/ipvsadm/errors.ts), not the core's.

/** The control operations, named as ipvsadm's commands (the libipvs calls behind them). */
export type IpvsOp =
  | 'add-service'
  | 'edit-service'
  | 'delete-service'
  | 'zero'
  | 'add-dest'
  | 'edit-dest'
  | 'delete-dest'
  | 'start-daemon'
  | 'stop-daemon'
  | 'get-service'
  | 'set-timeout'
  | 'clear';

/** The errnos the IPVS control paths return (ip_vs_ctl.c, ip_vs_sync.c). */
export type Errno =
  | 'EEXIST'
  | 'ENOENT'
  | 'ESRCH'
  | 'EPERM'
  | 'EINVAL'
  | 'ENOPROTOOPT'
  | 'ENOMEM'
  | 'EOPNOTSUPP'
  | 'EAFNOSUPPORT'
  | 'EMSGSIZE'
  | 'ERANGE'
  | 'ENODEV';

const ERRNOS: ReadonlySet<string> = new Set<Errno>(['EEXIST', 'ENOENT', 'ESRCH', 'EPERM', 'EINVAL', 'ENOPROTOOPT', 'ENOMEM', 'EOPNOTSUPP', 'EAFNOSUPPORT', 'EMSGSIZE', 'ERANGE', 'ENODEV']);

/** A refused control command: what the kernel's setsockopt/netlink call returns. */
export interface CtlError {
  readonly op: IpvsOp;
  readonly errno: Errno;
}

/** The errno an error object carries (the sync daemons throw errors with an `errno` field), if any. */
export function errnoOf(e: unknown): Errno | undefined {
  const errno = (e as { errno?: unknown } | null)?.errno;
  return typeof errno === 'string' && ERRNOS.has(errno) ? (errno as Errno) : undefined;
}
