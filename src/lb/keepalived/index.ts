// keepalived.conf: parse to a typed description, render back, and derive the ipvsadm table and the
// effective VRRP / sync-daemon settings both backends use.
export type * from './types.js';
export { parseKeepalivedConf, type ParseOptions, type ParseResult } from './parse.js';
export { renderKeepalivedConf } from './render.js';
export { toIpvsadmCommands, configToIpvsadmCommands, aliveAtStart } from './ipvsadm-commands.js';
export {
  KEEPALIVED_DEFAULTS,
  SCHEDULERS,
  SCHED_FLAGS,
  effectiveInstance,
  isIpv6Instance,
  effectiveSyncDaemon,
  type EffectiveVrrpInstance,
  type EffectiveSyncDaemon,
} from './defaults.js';
export { KeepalivedConfError, MAX_AUTO_PRIORITY_NOTICE, startupLog, type ConfDiagnostic, type ConfPhase, type ConfProblem } from './errors.js';
export { mapInterfaces } from './interfaces.js';
