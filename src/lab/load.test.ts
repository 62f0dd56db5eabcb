import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from './load.js';

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
    await expect(loadTopology('artcle')).rejects.toThrow("'artcle' is neither a preset (article, article-single, dr, article-scale) nor a description file");
    await expect(loadTopology(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: cannot read \(ENOENT\)/);
  });
});
