// Builds the embedded IPVS core the daemon drives (src/lb/ipvs/ipvs.ts, written alongside).
import type { IpvsCore } from './daemon.js';

export async function createCore(): Promise<IpvsCore> {
  // Resolved at run time so the daemon's own layers build and test on their own.
  const mod = (await import(new URL('../ipvs/ipvs.js', import.meta.url).href)) as { Ipvs?: new () => IpvsCore };
  if (!mod.Ipvs) throw new Error('the embedded IPVS core (lb/ipvs/ipvs.js) does not export Ipvs');
  return new mod.Ipvs();
}
