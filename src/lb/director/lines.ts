// The text both director processes (the data plane, daemon.ts, and keepalived's side, keepalived.ts)
// read and write: ipvsadm argument lines, and log lines with their timestamp and keepalived writer.
import type { ConfPhase } from '../keepalived/index.js';

/** A log line as the director processes write it: an ISO timestamp first, so `lvslab logs` can merge files. */
export function timestamped(line: string, now = new Date()): string {
  return `${now.toISOString()} ${line}\n`;
}

/** Split an ipvsadm line into argv (no shell: ipvsadm arguments never need quoting). */
export function splitArgs(line: string): string[] {
  return line.trim().split(/\s+/).filter(Boolean).filter((a, i) => !(i === 0 && a === 'ipvsadm'));
}

/** The log prefix of a keepalived.conf message by the keepalived process that prints it (lab/logs.ts names them). */
export const CONF_WRITER: Record<ConfPhase, string> = { parent: 'keepalived', checker: 'checker', vrrp: 'vrrp', bfd: 'keepalived' };
