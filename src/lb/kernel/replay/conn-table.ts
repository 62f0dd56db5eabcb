// The director's connection table read straight from the kernel, without running ipvsadm:
// /proc/net/ip_vs_conn is what `ipvsadm -Lnc` itself reads and reformats, and /proc/PID/net/ shows
// the network namespace of PID, so any process kept in the director namespace (its NamespaceShell)
// gives the table for a file read. Under emulation an ipvsadm run costs ~0.5 s (a process start),
// and the replay looks at the table after every close (settle.ts); a read costs milliseconds.
import { readFile } from 'node:fs/promises';

/** An IPv4 address as /proc/net/ip_vs_conn prints it (%08X of the host-order address) -> dotted quad. */
function hexAddr(hex: string): string {
  const n = parseInt(hex, 16);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * /proc/net/ip_vs_conn rows (`Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires [PEName PEData]`,
 * hex addresses and ports) as the rows of `ipvsadm -Lnc` (`pro expire state source virtual
 * destination`, expiry in seconds), which settle.ts reads. IPv6 rows (addresses with colons) and the
 * header are left out: the replay is IPv4.
 */
export function procConnsAsLnc(proc: string): string {
  const rows: string[] = [];
  for (const line of proc.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 9 || f[0] === 'Pro' || !/^[0-9A-F]{8}$/.test(f[1])) continue;
    const ep = (addr: string, port: string) => `${hexAddr(addr)}:${parseInt(port, 16)}`;
    rows.push(`${f[0]} ${f[8]} ${f[7]} ${ep(f[1], f[2])} ${ep(f[3], f[4])} ${ep(f[5], f[6])}`);
  }
  return rows.map((r) => `${r}\n`).join('');
}

/** The connection table of the network namespace process `pid` is in, as `ipvsadm -Lnc` rows. */
export async function readConnTable(pid: number): Promise<string> {
  return procConnsAsLnc(await readFile(`/proc/${pid}/net/ip_vs_conn`, 'utf8'));
}
