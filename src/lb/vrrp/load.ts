// keepalived.conf text -> a VRRP speaker's configuration: parse, report keepalived's warnings, map
// the file's interface names to the namespace's, and refuse a file with no vrrp_instance.
import { mapInterfaces, parseKeepalivedConf, type ConfDiagnostic, type KeepalivedConfig } from '../keepalived/index.js';

export interface LoadedVrrpConfig {
  config: KeepalivedConfig;
  diagnostics: ConfDiagnostic[];
}

/** `eth0=ext0,eth1=int0` -> { eth0: 'ext0', eth1: 'int0' } */
export function parseInterfaceMap(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const [from, to, extra] = pair.split('=');
    if (!from || !to || extra !== undefined) throw new Error(`interface map: '${pair}' is not FROM=TO`);
    map[from] = to;
  }
  return map;
}

export function loadVrrpConfig(text: string, opts: { file?: string; interfaces?: Record<string, string> } = {}): LoadedVrrpConfig {
  const { config, diagnostics } = parseKeepalivedConf(text, { file: opts.file ?? 'keepalived.conf' });
  if (config.vrrpInstances.length === 0) throw new Error(`${opts.file ?? 'keepalived.conf'}: no vrrp_instance to run`);
  return { config: opts.interfaces ? mapInterfaces(config, opts.interfaces) : config, diagnostics };
}

/** whether a keepalived.conf asks for VRRP (the director daemon hosts the speaker only then) */
export function hasVrrpInstances(text: string): boolean {
  try {
    return parseKeepalivedConf(text).config.vrrpInstances.length > 0;
  } catch {
    return false;
  }
}
