// Bad input to the lab commands is found before anything is built: each error names the file, the
// line and the problem, and the command exits 2 (no stack trace, no half-built lab, no RTNETLINK).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLabIds, teardownLab } from '../../src/lab/index.js';
import { labsFrom } from './helpers.js';

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const lvslab = (...args: string[]) => execa(process.execPath, [cli, ...args], { reject: false, timeout: 60_000 });

const LAN = 'segments:\n  lan: { subnet: 10.0.0.0/24 }\nhosts:\n';
const host = (name: string, iface: string, addr: string, extra = '') => `  ${name}:\n    role: real\n    interfaces: [{ name: "${iface}", segment: lan, addresses: [${addr}] }]\n${extra}`;

describe('input errors', () => {
  let dir: string;
  const built: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvslab-input-'));
  });
  afterAll(async () => {
    for (const id of built) await teardownLab(id).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, text: string): Promise<string> {
    const f = join(dir, name);
    await writeFile(f, text);
    return f;
  }

  it('what the kernel would refuse is refused by validation: file, line and both places named, exit 2, nothing built', async () => {
    const routes = await file('routes.yaml', LAN + host('a', 'eth0', '10.0.0.1', '    routes: [{ to: 10.1.0.0/16, via: 10.0.0.2 }, { to: 10.1.0.0/16, via: 10.0.0.3 }]\n'));
    const r = await lvslab('up', routes, '--no-serve');
    expect([r.exitCode, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe(`lvslab up: invalid lab description:\n  ${routes}: hosts.a.routes[1].to: a second route to 10.1.0.0/16 (also hosts.a.routes[0]); the kernel takes one per destination (line 7)`); // execa strips the final newline
    expect(await labsFrom(routes)).toEqual([]);
  });

  it('a bad subnet is one problem; an alias bomb and a 5000-host file are refused at once, naming the file', async () => {
    const subnet = await file('subnet.yaml', 'segments:\n  lan: { subnet: 10.0.0.0/33 }\nhosts:\n' + host('a', 'eth0', '10.0.0.1'));
    const s = await lvslab('up', subnet);
    expect([s.exitCode, s.stderr]).toEqual([2, `lvslab up: invalid lab description:\n  ${subnet}: segments.lan.subnet: '10.0.0.0/33' has an invalid prefix length '/33' (line 2)`]);

    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const bomb = await file('bomb.yaml', `${lines.join('\n')}\nsegments: *a9\n`);
    const b = await lvslab('up', bomb);
    expect([b.exitCode, b.stderr]).toEqual([2, `lvslab up: invalid lab description:\n  ${bomb}:11: aliases expand too far (more than 100 uses; an alias bomb?)`]);

    let big = LAN.replace('10.0.0.0/24', '10.0.0.0/16');
    for (let i = 0; i < 5000; i++) big += `  h${i}: { role: real, interfaces: [{ name: eth0, segment: lan, addresses: [10.0.${(i + 1) >> 8}.${(i + 1) & 255}] }] }\n`;
    const started = Date.now();
    const h = await lvslab('up', await file('big.yaml', big), '--no-serve');
    expect([h.exitCode, h.stderr]).toEqual([2, `lvslab up: invalid lab description:\n  lab.hosts: 5000 hosts; at most 512 (lvslab's limit, see docs/lab.md)`.replace('lab.hosts', `${join(dir, 'big.yaml')}: hosts`)]);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('a scenario naming an unknown preset says so, lists the presets, names the file: exit 2', async () => {
    const scen = await file('typo.yaml', 'name: typo\nlab: artcle\nsteps:\n  - http: { target: 192.168.1.112 }\n');
    const r = await lvslab('run', scen, '--quiet');
    expect([r.exitCode, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe(`lvslab run: ${scen}: invalid scenario:\n  lab: 'artcle' is neither a preset (article, article-single, dr, article-scale, article6, article6-single, article-dual) nor a description file — did you mean 'article' or 'article6'? (line 2)`);
  });

  it('host and interface names that read alike build (the switch side names stay apart)', async () => {
    // host 'p1' interface '0' reads like the positional name of the next host's interface ("p1-0")
    const clash = await file('clash.yaml', LAN + host('p1', '0', '10.0.0.1') + host('averyveryverylonghostname', 'eth0', '10.0.0.2'));
    const r = await lvslab('up', clash, '--no-serve');
    if (r.exitCode === 0) built.push(r.stdout.trim());
    expect([r.exitCode, r.stderr]).toEqual([0, expect.not.stringContaining('RTNETLINK')]);
  });

  it('lvslab ipvsadm takes a unique prefix of a lab id, as every lab command does', async () => {
    const up = await lvslab('up', 'article-single', '--no-serve');
    expect(up.exitCode, up.stderr).toBe(0);
    const id = up.stdout.trim();
    built.push(id);
    const others = (await listLabIds()).filter((x) => x !== id);
    let n = 2;
    while (others.some((x) => x.startsWith(id.slice(0, n)))) n++;
    const r = await lvslab('ipvsadm', id.slice(0, n), 'ds1', '-Ln');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^IP Virtual Server version/);
    const down = await lvslab('down', id.slice(0, n));
    expect([down.exitCode, down.stdout]).toEqual([0, `${id} down`]);
  });
});
