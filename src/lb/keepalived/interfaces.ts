// The article's file names the director's interfaces eth0/eth1; a lab may name them differently.
// Renaming happens on the description so every place an interface appears is covered.
import type { KeepalivedConfig } from './types.js';

/** A copy of `config` with interface names replaced through `map`; names not in it are kept. */
export function mapInterfaces(config: KeepalivedConfig, map: Record<string, string>): KeepalivedConfig {
  const m = (n: string | undefined): string | undefined => (n === undefined ? undefined : (map[n] ?? n));
  const c: KeepalivedConfig = structuredClone(config);
  if (c.globalDefs.lvsSyncDaemon) c.globalDefs.lvsSyncDaemon.interface = m(c.globalDefs.lvsSyncDaemon.interface)!;
  for (const i of c.vrrpInstances) {
    if (i.interface !== undefined) i.interface = m(i.interface);
    if (i.lvsSyncDaemonInterface !== undefined) i.lvsSyncDaemonInterface = m(i.lvsSyncDaemonInterface);
    for (const v of i.virtualIpaddress) {
      if (v.dev !== undefined) v.dev = m(v.dev);
      // a label is `<dev>:<tag>`; keep the tag
      if (v.label !== undefined) {
        const [dev, ...tag] = v.label.split(':');
        v.label = [m(dev), ...tag].join(':');
      }
    }
    for (const t of i.trackInterface) t.interface = m(t.interface)!;
  }
  return c;
}
