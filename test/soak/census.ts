// What the machine looks like, as far as lvslab could change it: lab namespaces, run directories, the
// soak's processes, and the root namespace's links, rules, routes, iptables and nft ruleset. Taken
// before and after a soak; the two must be the same.
import { readdirSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { runRoot } from '../../src/lab/rundir.js';

export interface Census {
  /** lvs-* namespaces */
  namespaces: string[];
  /** entries of the run root (/run/lvslab) */
  runDirs: string[];
  /** "pid cmdline" of every process carrying the soak's tag in its environment */
  processes: string[];
  /** root namespace: link names and kinds, ip rules, routes of every table, iptables, nft */
  links: string[];
  rules: string[];
  routes: string[];
  iptables: string[];
  nft: string[];
}

export const CENSUS_KEYS = ['namespaces', 'runDirs', 'processes', 'links', 'rules', 'routes', 'iptables', 'nft'] as const;
export type CensusKey = (typeof CENSUS_KEYS)[number];

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
}

async function run(file: string, args: string[]): Promise<string[]> {
  const r = await execa(file, args, { reject: false, timeout: 20_000 });
  return r.exitCode === 0 ? lines(r.stdout) : [`(${file} ${args.join(' ')} failed: ${r.stderr.trim() || r.exitCode})`];
}

/** Processes whose environment holds `tag` (set by the soak on everything it starts). */
export function taggedProcesses(tag: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${e}/environ`, 'latin1').split('\0').includes(tag)) continue;
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (/^\d+ \(.*\) [ZX] /s.test(stat)) continue; // a zombie holds nothing
      out.push(`${e} ${readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()}`);
    } catch {
      // exited meanwhile, or a kernel thread
    }
  }
  return out;
}

function dirEntries(dir: string, keep: (name: string) => boolean = () => true): string[] {
  try {
    return readdirSync(dir).filter(keep).sort();
  } catch {
    return [];
  }
}

export async function takeCensus(tag: string): Promise<Census> {
  const [links, rules4, rules6, routes4, routes6, ipt4, ipt6, nft] = await Promise.all([
    run('ip', ['-o', 'link', 'show']),
    run('ip', ['-4', 'rule', 'show']),
    run('ip', ['-6', 'rule', 'show']),
    run('ip', ['-4', 'route', 'show', 'table', 'all']),
    run('ip', ['-6', 'route', 'show', 'table', 'all']),
    run('iptables-save', []),
    run('ip6tables-save', []),
    run('nft', ['list', 'ruleset']),
  ]);
  // iptables-save: no timestamps, no packet counters (traffic of the machine, not a change).
  const rules = (xs: string[]) => xs.filter((l) => !l.startsWith('#')).map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
  return {
    namespaces: dirEntries('/run/netns', (n) => n.startsWith('lvs-')),
    runDirs: dirEntries(runRoot()),
    processes: taggedProcesses(tag).sort(),
    // "3: eth0@if4: <FLAGS> mtu ... state UP ..." -> "eth0@if4 <FLAGS>": which links exist and how
    links: links.map((l) => l.replace(/^\d+:\s+(\S+):\s+(<[^>]*>).*$/, '$1 $2').replace(/,?LOWER_UP|,?NO-CARRIER/g, '')).sort(),
    rules: [...rules4, ...rules6],
    routes: [...routes4, ...routes6.filter((l) => !/ expires \d+/.test(l))].sort(),
    iptables: [...rules(ipt4), ...rules(ipt6)],
    nft,
  };
}

export interface CensusDiff {
  key: CensusKey;
  added: string[];
  removed: string[];
}

export function diffCensus(before: Census, after: Census): CensusDiff[] {
  const out: CensusDiff[] = [];
  for (const key of CENSUS_KEYS) {
    const b = new Set(before[key]);
    const a = new Set(after[key]);
    const added = after[key].filter((x) => !b.has(x));
    const removed = before[key].filter((x) => !a.has(x));
    if (added.length || removed.length) out.push({ key, added, removed });
  }
  return out;
}

export function censusSummary(c: Census): string {
  return CENSUS_KEYS.map((k) => `${c[k].length} ${k}`).join(', ');
}
