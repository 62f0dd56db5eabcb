// The LVS-DR preset: director and real servers on one LAN, the VIP on the real servers' lo kept
// silent by arp_ignore/arp_announce, replies straight back to the client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLab, type Lab } from '../../src/lab/index.js';
import { needs, probe } from '../../test/capabilities.js';

describe('dr lab', needs(await probe.root()), () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await buildLab('dr', { agents: false });
  });
  afterAll(async () => {
    await lab?.teardown();
  });

  it('puts the VIP on the real servers lo with ARP kept quiet', async () => {
    const rs1 = lab.host('rs1');
    expect((await rs1.exec(['ip', '-4', '-br', 'addr', 'show', 'lo'])).stdout).toMatch(/192\.168\.1\.112\/32/);
    expect((await rs1.exec(['sysctl', '-n', 'net.ipv4.conf.all.arp_ignore', 'net.ipv4.conf.eth0.arp_announce'])).stdout.split('\n').slice(0, 2)).toEqual(['1', '2']);
  });

  it('only the director answers ARP for the VIP', async () => {
    const ping = await lab.client.exec(['ping', '-c', '3', '-i', '0.2', '-W', '2', '192.168.1.112'], { check: false });
    expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
    const neigh = (await lab.client.exec(['ip', 'neigh', 'show', '192.168.1.112'])).stdout;
    const ds1Mac = (await lab.host('ds1').exec(['cat', '/sys/class/net/eth0/address'])).stdout.trim();
    expect(neigh).toContain(`lladdr ${ds1Mac}`);
  });

  it('real servers reach the client directly over the LAN', async () => {
    const route = (await lab.host('rs2').exec(['ip', 'route', 'get', '192.168.1.100'])).stdout;
    expect(route).toMatch(/^192\.168\.1\.100 dev eth0/);
    expect(route).not.toContain('via');
  });
});
