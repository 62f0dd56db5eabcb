// How ipvsadm reports failure: a text on stderr and an exit status. Parsing and listing throw these so
// callers (runIpvsadm, `lvslab simulate`, the director) can hand the exact bytes and status back to
// the user; a refused control command comes back from the core as an op and errno, which
// kernelErrorMessage turns into libipvs's text.
import type { Errno, IpvsOp } from '../ipvs/errno.js';

/** ipvsadm's exit statuses (ipvsadm.c): fail() exits 2, popt/tryhelp paths and failed kernel calls
 * return -1 from main (255), listing a missing service exits 1. */
export const EXIT_FAIL = 2;
export const EXIT_POPT = 255;
export const EXIT_KERNEL = 255;
export const EXIT_LIST = 1;

/** A failed ipvsadm invocation: `stderr` is the exact text ipvsadm prints (with its newline). */
export class IpvsadmError extends Error {
  readonly stderr: string;
  readonly status: number;
  /**
   * true when ipvsadm exits on this error (fail(), tryhelp, listing errors); false when it only
   * returns -1 from process_options(), which inside `-R` lets the next line run (popt errors in the
   * option loop, failed kernel calls — hence the default: a plain IpvsadmError is a kernel refusal).
   */
  readonly exits: boolean;
  constructor(stderr: string, status: number, exits = false) {
    super(stderr.replace(/\n+$/, ''));
    this.name = 'IpvsadmError';
    this.stderr = stderr;
    this.status = status;
    this.exits = exits;
  }
}

/** A command line ipvsadm rejects before talking to the kernel. */
export class IpvsadmUsageError extends IpvsadmError {
  /** 1-based line of `ipvsadm -R` input that failed, when parsing a restore stream */
  line?: number;
  constructor(stderr: string, status: number, exits = true) {
    super(stderr, status, exits);
    this.name = 'IpvsadmUsageError';
  }
}

/** ipvsadm's fail(): the formatted message plus a newline, exit status 2. */
export function fail(message: string): never {
  throw new IpvsadmUsageError(`${message}\n`, EXIT_FAIL);
}

/** ipvsadm's tryhelp_exit(argv[0], -1). */
export function tryHelp(program: string): never {
  throw new IpvsadmUsageError(
    `Try \`${program} -h' or '${program} --help' for more information.\n`,
    EXIT_POPT,
  );
}

/**
 * The messages libipvs's ipvs_strerror() gives for kernel errors, by the operation that failed
 * (libipvs.c), else strerror's text for the errno; ipvsadm then exits with status 255 (EXIT_KERNEL).
 */
const BY_OP: Partial<Record<IpvsOp, Partial<Record<Errno, string>>>> = {
  'add-service': { EEXIST: 'Service already exists', ENOENT: 'Scheduler or persistence engine not found' },
  'edit-service': { ESRCH: 'No such service', ENOENT: 'Scheduler or persistence engine not found' },
  'delete-service': { ESRCH: 'No such service' },
  zero: { ESRCH: 'No such service' },
  'add-dest': { ESRCH: 'Service not defined', EEXIST: 'Destination already exists' },
  'edit-dest': { ESRCH: 'Service not defined', ENOENT: 'No such destination' },
  'delete-dest': { ESRCH: 'Service not defined', ENOENT: 'No such destination' },
  'start-daemon': { EEXIST: 'Daemon has already run' },
  'stop-daemon': { ESRCH: 'No daemon is running' },
  'get-service': { ESRCH: 'No such service' },
};

const ANY_OP: Record<Errno, string> = {
  EEXIST: 'File exists',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EPERM: 'Permission denied (you must be root)',
  EINVAL: 'Invalid operation.  Possibly wrong module version, address not unicast, ...',
  ENOPROTOOPT: 'Protocol not available',
  ENOMEM: 'Memory allocation problem',
  EOPNOTSUPP: 'Operation not supported with IPv6',
  EAFNOSUPPORT: 'Operation not supported with specified address family',
  EMSGSIZE: 'Module is wrong version',
  ERANGE: 'Numerical result out of range',
  ENODEV: 'No such device',
};

/** ipvs_strerror(errno) as ipvsadm prints it after `op` failed (falls back to strerror's text). */
export function kernelErrorMessage(op: IpvsOp, errno: Errno): string {
  return BY_OP[op]?.[errno] ?? ANY_OP[errno];
}
