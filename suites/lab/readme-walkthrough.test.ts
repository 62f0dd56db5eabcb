// The README's by-hand failover walkthrough, typed exactly as it is written: the lines between its
// `walkthrough` markers run one after another in sh, from the repository's root, with `sudo` and
// `npx` on the PATH doing what they do for a user here (run as root; `npx lvslab` is the built CLI).
// Each line's output is checked, so the README and what lvslab does cannot drift apart.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { teardownLab } from '../../src/lab/index.js';
import { needs, probe } from '../../test/capabilities.js';
import { leftovers } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist/cli/main.js');

/** The commands of the README's walkthrough, comments dropped. */
function walkthrough(): string[] {
  const text = readFileSync(join(root, 'README.md'), 'utf8');
  const m = /<!-- walkthrough:begin -->\n```sh\n([\s\S]*?)```\n<!-- walkthrough:end -->/.exec(text);
  if (!m) throw new Error('README.md has no walkthrough block between its markers');
  return m[1].split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

/** `sudo` and `npx` as they behave for a user of a checkout: root already, `npx lvslab` the CLI. */
function shims(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lvslab-walkthrough-'));
  writeFileSync(join(dir, 'sudo'), '#!/bin/sh\nexec "$@"\n');
  writeFileSync(join(dir, 'npx'), `#!/bin/sh\n[ "$1" = lvslab ] || { echo "npx here runs lvslab only" >&2; exit 127; }\nshift\nexec '${process.execPath}' '${cli}' "$@"\n`);
  for (const f of ['sudo', 'npx']) chmodSync(join(dir, f), 0o755);
  return dir;
}

type Result = { exitCode: number; stdout: string; stderr: string };

const SERVERS = /^\s+\d+\s+(RS\d)\s/gm;
const servers = (out: string) => [...out.matchAll(SERVERS)].map((m) => m[1]);

/** What each line must print, by the command it is; every line of the walkthrough has one. */
const CHECKS: Array<[RegExp, (r: Result) => void]> = [
  [/^LAB=\$\(sudo npx lvslab up article --keepalived ds1=\S+ --keepalived ds2=\S+\)$/, (r) => {
    expect(r.stdout).toMatch(/^l[a-z0-9]{5}$/);
    // keepalived's warnings about the user's files, in its words, at once
    expect(r.stderr).toContain("ds1: (Line 7) Unknown keyword 'lvs_id'");
    expect(r.stderr).toContain("ds2: (scenarios/article/keepalived-ds2.conf: Line 20) Unknown keyword 'lvs_sync_daemon_inteface'");
    expect(r.stderr).toContain("ds2: (scenarios/article/keepalived-ds2.conf: Line 20) lvslab: 'lvs_sync_daemon_inteface' is a misspelling keepalived ignores");
    expect(r.stderr).toContain('VRRP: ds1: VI_1 MASTER, VI_GATEWAY MASTER; ds2: VI_1 BACKUP, VI_GATEWAY BACKUP');
  }],
  [/^sudo npx lvslab probe \$LAB --count 4$/, (r) => {
    expect(r.exitCode, r.stderr).toBe(0);
    const s = servers(r.stdout);
    expect(s).toHaveLength(4);
    expect(s[0]).not.toBe(s[1]);
    expect([s[0], s[1]]).toEqual([s[2], s[3]]);
  }],
  [/^sudo npx lvslab fault \$LAB ds1 kill$/, (r) => {
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^killed the director daemon on ds1 \(pid \d+\)/);
    expect(r.stdout).toMatch(/^VRRP after [\d.]+ s: ds2: VI_1 MASTER, VI_GATEWAY MASTER$/m);
  }],
  [/^sudo npx lvslab logs \$LAB ds2$/, (r) => {
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z ds2 +Keepalived_vrrp: \(VI_1\) Entering BACKUP STATE/m);
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z ds2 +Keepalived_vrrp: \(VI_1\) Entering MASTER STATE/m);
    expect(r.stdout).toMatch(/^\S+Z ds2 +Keepalived: \(Line 7\) Unknown keyword 'lvs_id'$/m);
    expect(r.stdout).toMatch(/^\S+Z ds2 +Keepalived_healthcheckers: \(scenarios\/article\/keepalived-ds2\.conf: Line 53\) Unknown keyword 'nat_mask'$/m);
    // every line has its time
    for (const line of r.stdout.trimEnd().split('\n')) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z ds2 /);
  }],
  [/^sudo npx lvslab ipvsadm \$LAB ds2 -Ln$/, (r) => {
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n').slice(3, 6).map((l) => l.trimEnd())).toEqual([
      'TCP  192.168.1.112:80 rr',
      '  -> 10.0.0.101:80                Masq    1      0          0',
      '  -> 10.0.0.102:80                Masq    1      0          0',
    ]);
  }],
  [/^sudo npx lvslab fault \$LAB ds1 reboot$/, (r) => {
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^rebooted ds1: director daemon started again \(pid \d+\)$/m);
    expect(r.stdout).toMatch(/^VRRP after [\d.]+ s: ds1: VI_1 MASTER, VI_GATEWAY MASTER; ds2: VI_1 BACKUP, VI_GATEWAY BACKUP$/m);
  }],
  [/^sudo npx lvslab down \$LAB$/, (r) => {
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^l[a-z0-9]{5} down$/);
  }],
];

describe('the README walkthrough, typed as written', needs(await probe.root(), probe.built('dist/cli/main.js')), () => {
  const bin = shims();
  let lab: string | undefined;
  afterAll(async () => {
    if (lab) await teardownLab(lab).catch(() => undefined);
    rmSync(bin, { recursive: true, force: true });
  });

  it('sets up the failover, kills DS1, reads the logs and DS2, reboots DS1 and tears down', async () => {
    const lines = walkthrough();
    expect(lines.length).toBeGreaterThan(5);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` } as Record<string, string>;
    for (const line of lines) {
      const check = CHECKS.find(([re]) => re.test(line));
      if (!check) throw new Error(`README walkthrough line without a check here: ${line}`);
      const assign = /^([A-Z]+)=\$\((.*)\)$/.exec(line);
      const r = await execa('sh', ['-c', assign ? assign[2] : line], { cwd: root, env, reject: false, timeout: 90_000 });
      const result = { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
      if (assign) {
        env[assign[1]] = result.stdout.trim();
        lab = env.LAB;
      }
      try {
        check[1](result);
      } catch (err) {
        (err as Error).message = `${line}\n${(err as Error).message}\n--- stdout:\n${result.stdout}\n--- stderr:\n${result.stderr}`;
        throw err;
      }
    }
    expect(leftovers(lab!)).toEqual({ namespaces: [], processes: [], runDir: false });
    lab = undefined;
  });
});
