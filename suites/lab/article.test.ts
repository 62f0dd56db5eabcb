// The article's two-director lab: it builds as the article lays it out, the client reaches DS1, and
// teardown leaves nothing behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLab, type Lab } from '../../src/lab/index.js';
import { descriptorsInto, leftovers, namespaceInode, pidAlive } from './helpers.js';
import { needs, probe } from '../../test/capabilities.js';

describe('article lab', needs(await probe.root()), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await buildLab('article');
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  it('builds every host with the article addresses and interface names', async () => {
    expect(lab.hosts.map((h) => h.name)).toEqual(['client', 'ds1', 'ds2', 'rs1', 'rs2']);
    const ds1 = (await lab.host('ds1').exec(['ip', '-br', '-4', 'addr', 'show'])).stdout;
    expect(ds1).toMatch(/^eth0@\S+\s+UP\s+192\.168\.1\.110\/24\s*$/m);
    expect(ds1).toMatch(/^eth1@\S+\s+UP\s+10\.0\.0\.103\/24\s*$/m);
    // VIP and DIP belong to whichever director is VRRP master: not statically anywhere.
    for (const h of lab.hosts) expect((await h.exec(['ip', '-4', 'addr'])).stdout).not.toMatch(/192\.168\.1\.112|10\.0\.0\.105/);
    expect((await lab.host('ds2').exec(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('1');
    expect((await lab.host('rs1').exec(['ip', 'route', 'show', 'default'])).stdout).toMatch(/^default via 10\.0\.0\.105 dev eth0/);
  });

  it('lets the client reach DS1 external address', async () => {
    const r = await lab.client.exec(['ping', '-c', '2', '-i', '0.2', '-W', '2', '192.168.1.110'], { check: false });
    expect(r.stdout).toMatch(/2 packets transmitted, 2 received/);
  });

  it('keeps the root namespace free of lab addresses', async () => {
    const { execa } = await import('execa');
    const root = (await execa('ip', ['-4', 'addr'])).stdout;
    expect(root).not.toMatch(/192\.168\.1\.1[01]\d\/24|10\.0\.0\.10\d\/24/);
  });

  it('tears down to nothing: no namespace, process or run directory', async () => {
    const other = await buildLab('article-single');
    const sleeper = await other.host('rs2').spawn(['sleep', '60'], { logName: 'sleeper' });
    const agents = await Promise.all(other.hosts.map((h) => h.agent()));
    const inodes = other.namespaces.map(namespaceInode);
    expect(leftovers(other.id).namespaces).toHaveLength(5);
    await other.teardown();
    expect(leftovers(other.id)).toEqual({ namespaces: [], processes: [], runDir: false });
    expect([sleeper.pid].filter(pidAlive)).toEqual([]);
    // The agents ran in this process's agent thread: each is stopped, and nothing here still holds
    // one of the lab's namespaces open.
    for (const a of agents) await expect(a.ping()).rejects.toThrow(/not running/);
    expect(descriptorsInto(inodes)).toEqual([]);
  });
});
