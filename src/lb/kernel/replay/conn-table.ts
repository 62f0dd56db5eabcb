// The director's connection table read straight from the kernel, without running ipvsadm:
// /proc/net/ip_vs_conn is what `ipvsadm -Lnc` itself reads and reformats, and /proc/PID/net/ shows
// the network namespace of PID, so any process kept in the director namespace (its NamespaceShell)
// gives the table for a file read. Under emulation an ipvsadm run costs ~0.5 s (a process start),
// and the replay looks at the table after every close (settle.ts); a read costs milliseconds.
import { readFile } from 'node:fs/promises';
import { formatIPv6, parseIPv6 } from '../../ipvs/addr.js';

/**
 * An address as /proc/net/ip_vs_conn prints it — IPv4 as %08X of the host-order address, IPv6 as
 * %pI6 (eight groups of four hex digits) — and its port (%04X), as `ipvsadm -Lnc` writes them:
 * dotted quad, or inet_ntop's IPv6 text in brackets.
 */
function endpoint(addr: string, port: string): string {
  const p = parseInt(port, 16);
  if (addr.includes(':')) return `[${formatIPv6(parseIPv6(addr))}]:${p}`;
  const n = parseInt(addr, 16);
  return `${[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')}:${p}`;
}

const PROC_ADDR = /^([0-9A-F]{8}|[0-9a-f]{4}(:[0-9a-f]{4}){7})$/i;

/**
 * /proc/net/ip_vs_conn rows (`Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires [PEName PEData]`,
 * hex addresses and ports) as the rows of `ipvsadm -Lnc` (`pro expire state source virtual
 * destination`, expiry in seconds), which settle.ts reads; the header is left out.
 */
export function procConnsAsLnc(proc: string): string {
  const rows: string[] = [];
  for (const line of proc.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 9 || f[0] === 'Pro' || !PROC_ADDR.test(f[1])) continue;
    rows.push(`${f[0]} ${f[8]} ${f[7]} ${endpoint(f[1], f[2])} ${endpoint(f[3], f[4])} ${endpoint(f[5], f[6])}`);
  }
  return rows.map((r) => `${r}\n`).join('');
}

/** The connection table of the network namespace process `pid` is in, as `ipvsadm -Lnc` rows. */
export async function readConnTable(pid: number): Promise<string> {
  return procConnsAsLnc(await readFile(`/proc/${pid}/net/ip_vs_conn`, 'utf8'));
}
