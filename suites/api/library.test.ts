// The library API and the matchers on live labs (embedded backend): directors configured at run time,
// parsed ipvsadm tables, weighted shares, stickiness per client and per source port, UDP files,
// and faults on the wires with the outage they cause seen in a probe timeline.
import { setTimeout as sleep } from 'node:timers/promises';
import { labTest, expect } from 'lvslab/vitest';
import { needs, probe } from '../../test/capabilities.js';

const VIP = '192.168.1.112';
const test = labTest('article-single', { backend: 'embedded' });
const root = await probe.root();

function service(proto: 't' | 'u', port: number, sched: string, weights: [number, number] = [1, 1]): string[] {
  return [
    `-A -${proto} ${VIP}:${port} -s ${sched}`,
    `-a -${proto} ${VIP}:${port} -r 10.0.0.101:${port} -m -w ${weights[0]}`,
    `-a -${proto} ${VIP}:${port} -r 10.0.0.102:${port} -m -w ${weights[1]}`,
  ];
}

test('wrr 3:1 splits 3:1, and ipvsadm -Ln parses to the weights', needs(root), async ({ lab }) => {
  const ds1 = lab.director('ds1');
  await ds1.configure({ ipvsadm: service('t', 80, 'wrr', [3, 1]) });
  const run = await lab.client.http(`http://${VIP}/`, { count: 40, concurrency: 4 });
  expect(run.failed).toBe(0);
  expect(run.counts).toEqual({ RS1: 30, RS2: 10 });
  expect(run).toMatchWeights({ RS1: 3, RS2: 1 });
  expect(run).not.toMatchWeights({ RS1: 1, RS2: 1 });
  const [svc] = (await ds1.services()).services;
  expect(svc).toMatchObject({ proto: 'TCP', address: `${VIP}:80`, scheduler: 'wrr' });
  expect(svc.dests.map((d) => [d.address, d.forward, d.weight])).toEqual([
    ['10.0.0.101:80', 'Masq', 3],
    ['10.0.0.102:80', 'Masq', 1],
  ]);
  const conns = await ds1.connections();
  expect(conns.filter((c) => c.proto === 'TCP')).toHaveLength(40);
  // IPVS schedules connections, not requests: keep-alive requests all ride one connection.
  const kept = await lab.client.http(`http://${VIP}/`, { count: 10, keepAlive: true });
  expect(kept.failed).toBe(0);
  expect(new Set(kept.sequence).size).toBe(1);
  expect(kept).not.toMatchWeights({ RS1: 3, RS2: 1 });
});

test('sh keeps each client address on one real server', needs(root), async ({ lab }) => {
  await lab.director().configure({ ipvsadm: service('t', 80, 'sh') });
  const run = await lab.client.http(VIP, { count: 32, localAddress: 'extra' });
  expect(run.failed).toBe(0);
  expect(new Set(run.records.map((r) => r.source?.addr)).size).toBe(8);
  expect(run).toStickBy('client');
});

test('UDP: one source port sticks, fresh ports spread, files arrive intact', needs(root), async ({ lab }) => {
  await lab.director().configure({ ipvsadm: service('u', 9999, 'rr') });
  const fixed = await lab.client.udp(`${VIP}:9999`, { count: 6, sourcePort: 40100, intervalMs: 10 });
  expect(fixed.failed).toBe(0);
  expect(fixed).toStickBy('source');
  expect(Object.values(fixed.counts).sort()).toEqual([0, 6]);
  const fresh = await lab.client.udp(`${VIP}:9999`, { count: 4, intervalMs: 10 });
  expect(fresh).toBeRoundRobin(['RS1', 'RS2']);
  const sent = await lab.client.sendFile(`${VIP}:9999`, ['/etc/hostname', '/etc/os-release']);
  expect(sent.deliveries.every((d) => d.intact)).toBe(true);
  expect(await lab.director().ipvsadm('-Lnc')).toHaveConnection({ proto: 'udp', state: 'UDP', client: '192.168.1.100:40100' });
});

test('a director link down shows as one outage in the timeline, and service returns', needs(root), async ({ lab }) => {
  await lab.director().configure({ ipvsadm: service('t', 80, 'rr') });
  const probing = lab.client.probeContinuously(`http://${VIP}/`, { everyMs: 50, forMs: 2500, timeoutMs: 300 });
  await sleep(600);
  await lab.director('ds1').linkDown('eth0');
  await sleep(700);
  await lab.director('ds1').linkUp('eth0');
  const timeline = await probing;
  expect(timeline.failed).toBeGreaterThan(5);
  expect(timeline).toFailOverWithin(1500);
  expect(timeline).not.toFailOverWithin(400);
});

test('a partition between client and director stops service until healed', needs(root), async ({ lab }) => {
  await lab.director().configure({ ipvsadm: service('t', 80, 'rr') });
  await lab.partition('client', 'ds1');
  const cut = await lab.client.http(VIP, { count: 2, timeoutMs: 500 });
  expect(cut.sequence).toEqual([]);
  await lab.heal();
  // The client's ARP entry for the VIP went FAILED during the cut (EHOSTUNREACH until it is
  // resolved again), as on a real LAN: wait, bounded, for the first answer.
  const back = await lab.client.probeContinuously(`http://${VIP}/`, { everyMs: 100, forMs: 3000, timeoutMs: 500 });
  expect(back.records.at(-1)?.ok).toBe(true);
  const healed = await lab.client.http(VIP, { count: 2 });
  expect(healed).toBeRoundRobin(['RS1', 'RS2']);
  expect(await lab.addressHolders()).toEqual({ [VIP]: ['ds1'], '10.0.0.105': ['ds1'] });
});
