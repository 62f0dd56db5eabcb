import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from './load.js';
import { MAX_INPUT_FILE_BYTES } from './yaml-source.js';

describe('loadTopology', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvslab-load-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a YAML file and a JSON file to the same topology', async () => {
    const yaml = join(dir, 'lab.yaml');
    await writeFile(yaml, 'segments:\n  lan: { subnet: 10.0.0.0/24 }\nhosts:\n  rs1:\n    role: real\n    interfaces: [{ name: eth0, segment: lan, addresses: [10.0.0.101] }]\n');
    const json = join(dir, 'lab.json');
    await writeFile(json, JSON.stringify({ segments: { lan: { subnet: '10.0.0.0/24' } }, hosts: { rs1: { role: 'real', interfaces: [{ name: 'eth0', segment: 'lan', addresses: ['10.0.0.101/24'] }] } } }));
    const a = await loadTopology(yaml);
    expect(a.hosts[0].interfaces[0].addresses).toEqual(['10.0.0.101/24']);
    expect(await loadTopology(json)).toEqual(a);
  });

  it('names the file and the field in validation errors', async () => {
    const f = join(dir, 'bad.yaml');
    await writeFile(f, 'segments:\n  lan: { subnet: 10.0.0.0/24 }\nhosts:\n  rs1: { role: real, interfaces: [{ name: eth0, segment: lan3 }] }\n');
    await expect(loadTopology(f)).rejects.toThrow(`${f}: hosts.rs1.interfaces[0].segment: unknown segment 'lan3' (known: lan)`);
  });

  it('reports YAML syntax errors with the line', async () => {
    const f = join(dir, 'syntax.yaml');
    await writeFile(f, 'segments:\n  lan: { subnet: 10.0.0.0/24\nhosts: {}\n');
    await expect(loadTopology(f)).rejects.toThrow(new RegExp(`${f.replace(/[.]/g, '\\.')}:\\d+: `));
  });

  it('says what is wrong with an unknown preset or a missing file', async () => {
    await expect(loadTopology('artcle')).rejects.toThrow("'artcle' is neither a preset (article, article-single, dr, article-scale, article6, article6-single, article-dual) nor a description file");
    await expect(loadTopology('artcle')).rejects.toThrow("did you mean 'article' or 'article6'?");
    await expect(loadTopology(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: cannot read \(ENOENT\)/);
  });

  it('gives the line of each problem in a file', async () => {
    const f = join(dir, 'lines.yaml');
    await writeFile(f, 'segments:\n  lan: { subnet: 10.0.0.0/24 }\nhosts:\n  rs1:\n    role: real\n    sysctls: { net.ipv4.conf.eth9.rp_filter: 0 }\n    interfaces:\n      - name: eth0\n        segment: lan3\n');
    const err = await loadTopology(f).then(() => undefined, (e: Error) => e);
    expect(err!.message).toContain(`${f}: hosts.rs1.interfaces[0].segment: unknown segment 'lan3' (known: lan) (line 9)`);
    expect(err!.message).toContain(`${f}: hosts.rs1.sysctls.net.ipv4.conf.eth9.rp_filter: unknown interface 'eth9' on host 'rs1' (known: eth0) (line 6)`);
  });

  it('refuses a YAML alias bomb, naming the file and line', async () => {
    const f = join(dir, 'bomb.yaml');
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    lines.push('segments: *a9');
    await writeFile(f, lines.join('\n') + '\n');
    await expect(loadTopology(f)).rejects.toThrow(new RegExp(`${f.replace(/[.]/g, '\\.')}:\\d+: aliases expand too far`));
  });

  it('refuses files over 1 MiB and what is not a regular file, naming them', async () => {
    const f = join(dir, 'huge.yaml');
    await writeFile(f, `name: x\n# ${'x'.repeat(MAX_INPUT_FILE_BYTES)}\n`);
    await expect(loadTopology(f)).rejects.toThrow(`${f}: 1.0 MiB: files are limited to 1 MiB`);
    await expect(loadTopology('/dev/zero')).rejects.toThrow('/dev/zero: not a regular file');
    await expect(loadTopology(dir)).rejects.toThrow(`${dir}: not a regular file`);
  });

  it('says "nested too deeply" for a file that nests thousands of levels', async () => {
    const f = join(dir, 'deep.yaml');
    await writeFile(f, `segments: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    await expect(loadTopology(f)).rejects.toThrow(`${f}:1: nested too deeply`);
  });
});
