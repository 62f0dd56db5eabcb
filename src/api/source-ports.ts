// `sourcePorts` of the API's HTTP probes checked here, so a bad port is named before the agent runs.
import { LabApiError } from './errors.js';

/** One port or a list of them, as the agent's `localPort` list; undefined when not given. */
export function sourcePortsOf(ports: unknown, what = 'http: sourcePorts'): number[] | undefined {
  if (ports === undefined) return undefined;
  if (typeof ports !== 'number' && !Array.isArray(ports)) throw new LabApiError(`${what} must be a port or a list of ports (got ${JSON.stringify(ports)})`);
  const list: unknown[] = typeof ports === 'number' ? [ports] : ports;
  if (list.length === 0) throw new LabApiError(`${what} is empty`);
  if (list.length > 1024) throw new LabApiError(`${what}: at most 1024 ports (got ${list.length})`);
  list.forEach((p, i) => {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) {
      throw new LabApiError(`${what}${typeof ports === 'number' ? '' : `[${i}]`}: ${JSON.stringify(p)} is not a port (1-65535)`);
    }
  });
  return list as number[];
}
