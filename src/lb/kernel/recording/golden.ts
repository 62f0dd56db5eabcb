// The file `lvslab record` writes and `lvslab simulate --expect` reads: what the kernel's IPVS printed
// for a trace, item by item, under a provenance header (provenance.ts). Plain text, so a user can
// read it, keep it in git and review a re-recording as a diff:
//
//   # lvslab kernel recording 1
//   # trace: wrr.trace
//   # trace-sha256: 5e0c…
//   # kernel-package: linux-image-6.1.0-57-amd64
//   # kernel-version: 6.1.192-3
//   # kernel-release: 6.1.0-57-amd64
//   # kernel-pinned: yes
//   # ipvsadm: ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)
//   # ipvsadm-package: ipvsadm 1:1.31-1+b1
//   # recorded: 2026-12-06T07:40:00.000Z
//   # how: lvslab record --kernel vm: …
//   # elapsed: 14.210 s
//   @ line 5 at 3.537 s: conn tcp 192.168.1.20:40000 192.168.1.112:80
//   192.168.1.20:40000 -> 10.0.0.11:80
//   @ line 9 at 4.100 s, exit 255: -D -t 192.168.1.112:81
//   No such service
//
// Each `@ line N` marker names the trace line that printed (its text, so a golden of another trace is
// told apart), when the kernel printed it (seconds after the replay began: `-Lnc` expiry counted down
// meanwhile), ipvsadm's exit status when not 0, and `no final newline` when the output did not end
// in one. The lines up to the next marker are the output, byte for byte. Items that printed nothing
// and exited 0 have no marker.
import { createHash } from 'node:crypto';
import type { Provenance } from './provenance.js';

export const GOLDEN_MAGIC = '# lvslab kernel recording 1';

export interface GoldenItem {
  /** the trace line (1-based) */
  line: number;
  /** that line's item, without its comment */
  text: string;
  output: string;
  /** ipvsadm's exit status (0 for other items) */
  status: number;
  /** seconds after the replay began that the kernel printed it */
  atS: number;
  /** where its marker is in the recording file (set by parseGolden, for errors) */
  fileLine?: number;
}

export interface Golden {
  trace: { name: string; sha256: string };
  provenance: Provenance;
  /** how long the whole replay took (the kernel's timers ran that long) */
  elapsedS: number;
  items: GoldenItem[];
}

/** A recording that cannot be read: names the file, the line and the problem. */
export class GoldenError extends Error {
  override name = 'GoldenError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}

export function traceSha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

export function formatGolden(g: Golden): string {
  const p = g.provenance;
  const head = [
    GOLDEN_MAGIC,
    `# trace: ${oneLine(g.trace.name)}`,
    `# trace-sha256: ${g.trace.sha256}`,
    `# kernel-package: ${oneLine(p.kernel.package)}`,
    `# kernel-version: ${oneLine(p.kernel.version)}`,
    `# kernel-release: ${oneLine(p.kernel.release)}`,
    `# kernel-pinned: ${p.kernel.pinned ? 'yes' : 'no'}`,
    `# ipvsadm: ${oneLine(p.ipvsadm.version)}`,
    `# ipvsadm-package: ${oneLine(p.ipvsadm.package)}`,
    `# recorded: ${p.recorded}`,
    `# how: ${oneLine(p.how)}`,
    `# elapsed: ${g.elapsedS.toFixed(3)} s`,
  ];
  let out = head.join('\n') + '\n';
  for (const item of g.items) {
    if (/\n/.test(item.text)) throw new Error(`trace line ${item.line}: an item's text is one line`);
    const flags = [item.status !== 0 ? `, exit ${item.status}` : '', item.output !== '' && !item.output.endsWith('\n') ? ', no final newline' : ''].join('');
    out += `@ line ${item.line} at ${item.atS.toFixed(3)} s${flags}: ${item.text}\n`;
    if (item.output !== '') out += item.output.endsWith('\n') ? item.output : `${item.output}\n`;
  }
  return out;
}

const HEADER_KEYS = ['trace', 'trace-sha256', 'kernel-package', 'kernel-version', 'kernel-release', 'kernel-pinned', 'ipvsadm', 'ipvsadm-package', 'recorded', 'how', 'elapsed'] as const;
type HeaderKey = (typeof HEADER_KEYS)[number];

const MARKER = /^@ line (\d+) at (\d+(?:\.\d+)?) s((?:, (?:exit \d+|no final newline))*): (.*)$/;

/** Reads a recording; every problem is a GoldenError naming `file`, the line and what is wrong. */
export function parseGolden(text: string, file = 'recording'): Golden {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const fail = (line: number, detail: string): never => {
    throw new GoldenError(file, line, detail);
  };
  if (lines.length === 0) fail(1, `empty: not a kernel recording (make one with 'lvslab record TRACE > ${file}')`);
  if (lines[0] !== GOLDEN_MAGIC) {
    const other = /^# lvslab kernel recording (\S+)/.exec(lines[0]);
    if (other) fail(1, `kernel recording format ${other[1]}; this lvslab reads format 1 (re-record it with 'lvslab record')`);
    fail(1, `no provenance header: a kernel recording starts with '${GOLDEN_MAGIC}' and names the kernel it came from (make one with 'lvslab record TRACE > ${file}')`);
  }
  const header = new Map<HeaderKey, { value: string; line: number }>();
  let i = 1;
  for (; i < lines.length && lines[i].startsWith('#'); i++) {
    const m = /^# ([a-z0-9-]+): (.*)$/.exec(lines[i]);
    if (!m) fail(i + 1, `header line is not '# KEY: VALUE': '${lines[i]}'`);
    const key = m![1] as HeaderKey;
    if (!HEADER_KEYS.includes(key)) fail(i + 1, `unknown header key '${key}' (known: ${HEADER_KEYS.join(', ')})`);
    if (header.has(key)) fail(i + 1, `header key '${key}' given twice`);
    header.set(key, { value: m![2].trim(), line: i + 1 });
  }
  const missing = HEADER_KEYS.filter((k) => !header.has(k));
  if (missing.length > 0) fail(i, `provenance header lacks ${missing.map((k) => `'${k}'`).join(', ')} (a recording names its trace, its kernel and how it was made; re-record it with 'lvslab record')`);
  const get = (k: HeaderKey) => header.get(k)!.value;
  const pinned = get('kernel-pinned');
  if (pinned !== 'yes' && pinned !== 'no') fail(header.get('kernel-pinned')!.line, `kernel-pinned must be yes or no, got '${pinned}'`);
  if (!/^[0-9a-f]{64}$/.test(get('trace-sha256'))) fail(header.get('trace-sha256')!.line, `trace-sha256 is not a SHA-256 in hex: '${get('trace-sha256')}'`);
  const elapsed = /^(\d+(?:\.\d+)?) s$/.exec(get('elapsed'));
  if (!elapsed) fail(header.get('elapsed')!.line, `elapsed must be 'SECONDS s', got '${get('elapsed')}'`);

  const items: GoldenItem[] = [];
  let body: string[] | undefined;
  let noFinalNewline = false;
  const close = () => {
    const item = items[items.length - 1];
    if (item && body) item.output = body.length === 0 ? '' : body.join('\n') + (noFinalNewline ? '' : '\n');
  };
  for (; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('@')) {
      const m = MARKER.exec(l);
      if (!m) fail(i + 1, `item marker is not '@ line N at SECONDS s[, exit STATUS]: TRACE TEXT': '${l}'`);
      close();
      const line = Number(m![1]);
      const prev = items[items.length - 1];
      if (prev && line <= prev.line) fail(i + 1, `trace line ${line} comes after line ${prev.line}: items are in trace order`);
      const status = /exit (\d+)/.exec(m![3]);
      noFinalNewline = m![3].includes('no final newline');
      items.push({ line, text: m![4], output: '', status: status ? Number(status[1]) : 0, atS: Number(m![2]), fileLine: i + 1 });
      body = [];
    } else if (body === undefined) {
      fail(i + 1, `output before the first '@ line N' item marker: '${l}'`);
    } else body.push(l);
  }
  close();
  return {
    trace: { name: get('trace'), sha256: get('trace-sha256') },
    provenance: {
      kernel: { release: get('kernel-release'), package: get('kernel-package'), version: get('kernel-version'), pinned: pinned === 'yes' },
      ipvsadm: { version: get('ipvsadm'), package: get('ipvsadm-package') },
      recorded: get('recorded'),
      how: get('how'),
    },
    elapsedS: Number(elapsed![1]),
    items,
  };
}

/** One line naming where a recording came from, for reports. */
export function describeProvenance(p: Provenance): string {
  return `${p.kernel.package} ${p.kernel.version} (release ${p.kernel.release}, ${p.kernel.pinned ? 'the pinned kernel' : 'NOT the pinned kernel'}), recorded ${p.recorded}`;
}
