// A lab's logs as one stream: every file under <run dir>/logs/, each line with its time, the host it
// is about and what wrote it, merged in time order (`lvslab logs`), followed as they grow (`--follow`),
// or copied away before the lab goes (`lvslab down --keep-logs`, failing tests' artifacts).
// Lines carry their time at the source (director daemons and agents write an ISO timestamp first;
// keepalived its own date); a line without one — a stack trace's tail — takes the time of the line
// before it in the same file, or the file's modification time.
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { runDirOf } from './rundir.js';

export interface LogLine {
  /** epoch ms */
  at: number;
  /** the host the line is about ('-' for the lab as a whole) */
  host: string;
  /** what wrote it: director, agent, keepalived, or the log's own name */
  source: string;
  text: string;
}

const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (.*)$/;
// keepalived --log-console: "Thu Jun  6 12:34:56 2024: (VI_1) Entering MASTER STATE"
const KEEPALIVED = /^(?:[A-Z][a-z]{2} )?([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d)(?:\.\d+)? (\d{4}): (.*)$/;

/** Split a line into its time and message (undefined time: the line carries none). */
export function lineTime(line: string): { at?: number; text: string } {
  const iso = ISO.exec(line);
  if (iso) return { at: Date.parse(iso[1]), text: iso[2] };
  const k = KEEPALIVED.exec(line);
  if (k) {
    const at = Date.parse(`${k[1]} ${k[2]} ${k[4]} ${k[3]}`);
    if (!Number.isNaN(at)) return { at, text: k[5] };
  }
  return { text: line };
}

/** Which host and writer a log file belongs to, from its name and the lab's host names. */
export function logSource(file: string, hosts: readonly string[]): { host: string; source: string } {
  const name = file.replace(/\.log$/, '');
  for (const prefix of ['director', 'keepalived', 'agent', 'fault']) {
    // an embedded director's keepalived side writes as keepalived's parent process, Keepalived
    if (name.startsWith(`${prefix}-`) && hosts.includes(name.slice(prefix.length + 1))) return { host: name.slice(prefix.length + 1), source: prefix === 'keepalived' ? 'Keepalived' : prefix };
  }
  const dash = name.indexOf('-');
  if (dash > 0 && hosts.includes(name.slice(0, dash))) return { host: name.slice(0, dash), source: name.slice(dash + 1) };
  return { host: '-', source: name };
}

/**
 * What an embedded director's line says in keepalived's terms: the VRRP and checker lines of its
 * keepalived side (`keepalived-<host>.log`; `director-<host>.log` before the two were split) are
 * what keepalived's Keepalived_vrrp and Keepalived_healthcheckers processes would log, its
 * lvs_sync_daemon lines Keepalived_vrrp's (keepalived's VRRP process drives the sync daemons), the
 * rest its parent's.
 */
function writerOf(source: string, text: string): { source: string; text: string } {
  if (source !== 'director' && source !== 'Keepalived') return { source, text };
  const m = (source === 'Keepalived' ? /^(vrrp|checker|keepalived|note|sync): (.*)$/ : /^(vrrp|checker|keepalived|note): (.*)$/).exec(text);
  if (!m) return { source, text };
  return { source: { vrrp: 'Keepalived_vrrp', checker: 'Keepalived_healthcheckers', keepalived: 'Keepalived', note: 'lvslab', sync: 'Keepalived_vrrp' }[m[1]]!, text: m[2] };
}

/** The log files of a lab, with their host and writer. */
export async function labLogFiles(labId: string, hosts: readonly string[]): Promise<Array<{ path: string; host: string; source: string }>> {
  const dir = join(runDirOf(labId), 'logs');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.log')).sort();
  return names.map((n) => ({ path: join(dir, n), ...logSource(n, hosts) }));
}

/** Turns a file's text (from some offset on) into lines, carrying the last time seen. */
export class LogReader {
  offset = 0;
  private lastAt: number | undefined;
  private partial = '';

  constructor(
    readonly path: string,
    readonly host: string,
    readonly source: string,
  ) {}

  /** The complete lines added since the last read (bounded per call, so a huge log streams). */
  async readNew(maxBytes = 8 << 20): Promise<LogLine[]> {
    const st = await stat(this.path).catch(() => undefined);
    if (!st) return [];
    if (st.size < this.offset) this.offset = 0; // truncated: start again
    if (st.size === this.offset) return [];
    const len = Math.min(st.size - this.offset, maxBytes);
    const buf = Buffer.alloc(len);
    const fd = openSync(this.path, 'r');
    let got: number;
    try {
      got = readSync(fd, buf, 0, len, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset += got;
    const text = this.partial + buf.subarray(0, got).toString('utf8');
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    const out: LogLine[] = [];
    for (const raw of parts) {
      if (raw.trim() === '') continue;
      const t = lineTime(raw);
      if (t.at !== undefined) this.lastAt = t.at;
      const w = writerOf(this.source, t.text);
      out.push({ at: t.at ?? this.lastAt ?? st.mtimeMs, host: this.host, source: w.source, text: w.text });
    }
    return out;
  }
}

/** Lines of several files merged by time (stable: a file's own order is kept among equal times). */
export function mergeByTime(lines: LogLine[]): LogLine[] {
  return lines.map((l, i) => ({ l, i })).sort((a, b) => a.l.at - b.l.at || a.i - b.i).map((x) => x.l);
}

/** One line as `lvslab logs` prints it. */
export function formatLogLine(l: LogLine, hostWidth = 6): string {
  return `${new Date(l.at).toISOString()} ${l.host.padEnd(hostWidth)} ${l.source}: ${l.text}`;
}

/** Copy a lab's logs to `dir` (created); returns the files written. */
export async function copyLabLogs(labId: string, dir: string): Promise<string[]> {
  const from = join(runDirOf(labId), 'logs');
  const names = await readdir(from).catch(() => [] as string[]);
  if (names.length === 0) return [];
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const out: string[] = [];
  for (const n of names) {
    await copyFile(join(from, n), join(dir, n)).then(() => out.push(join(dir, n)), () => undefined);
  }
  return out;
}
