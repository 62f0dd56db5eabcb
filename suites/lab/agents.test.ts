// Host agents share this process's agent threads (one for clients, one for the other hosts), and each
// opens its sockets in its own host's namespace (src/lab/agent/netns.ts). Checked from outside, with `ss` in every namespace: each
// host's listening and outgoing sockets are there and nowhere else, the root namespace never sees
// one, and that holds after many requests from every host at once (fresh connections, keep-alive,
// UDP with replies, a file sent over UDP: libuv thread-pool work in between).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLab, hostAddresses, type AgentClient, type Host, type Lab } from '../../src/lab/index.js';
import { namespaceInode } from './helpers.js';

/** Every TCP and UDP socket of a namespace (root: undefined): [proto, state, local, peer]. */
async function sockets(ns: string | undefined): Promise<Array<{ proto: string; state: string; addr: string; port: number; line: string }>> {
  const argv = ['ss', '-Htanu'];
  const r = ns ? await execa('ip', ['netns', 'exec', ns, ...argv]) : await execa(argv[0], argv.slice(1));
  return r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const [proto, state, , , local] = line.trim().split(/\s+/);
      const i = local.lastIndexOf(':');
      return { proto, state, addr: local.slice(0, i), port: Number(local.slice(i + 1)), line };
    });
}

const tcpPort = (i: number) => 20000 + i;
const udpPort = (i: number) => 21000 + i;
const churnPort = (i: number) => 22000 + i;
const OURS = (port: number) => port >= 20000 && port < 23000;

describe('agents: every socket in its own host\'s namespace', () => {
  let lab: Lab;
  let agents: AgentClient[];
  let dir: string;
  /** each host's neighbour on a shared segment, and the address to reach it at */
  const peers: Record<string, [string, string]> = {
    client: ['ds1', '192.168.1.110'],
    ds1: ['ds2', '192.168.1.111'],
    ds2: ['rs1', '10.0.0.101'],
    rs1: ['rs2', '10.0.0.102'],
    rs2: ['ds1', '10.0.0.103'],
  };

  beforeAll(async () => {
    lab = await buildLab('article');
    agents = await Promise.all(lab.hosts.map((h) => h.agent()));
    dir = await mkdtemp(join(tmpdir(), 'lvslab-agents-'));
    await Promise.all(
      agents.map(async (a, i) => {
        await a.serve({ protocol: 'tcp', port: tcpPort(i) });
        await a.serve({ protocol: 'udp', port: udpPort(i), echo: 'identity' });
      }),
    );
  });
  afterAll(async () => {
    await lab?.teardown();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const index = (name: string) => lab.hosts.findIndex((h) => h.name === name);

  /** In each host's namespace only that host's addresses and ports; none of them in the root namespace. */
  async function expectEverySocketAtHome(): Promise<void> {
    for (const [i, h] of lab.hosts.entries()) {
      // '[::]': the services' IPv6 listener beside the IPv4 one (an IPv6-only wildcard socket)
      const mine = new Set(['0.0.0.0', '*', '[::]', ...hostAddresses(h.spec)]);
      const seen = await sockets(h.namespace);
      expect(seen.filter((s) => !mine.has(s.addr)).map((s) => s.line), `${h.name}: a socket with another host's address`).toEqual([]);
      const listening = (proto: string) => seen.filter((s) => s.proto === proto && (s.state === 'LISTEN' || s.state === 'UNCONN') && s.addr === '0.0.0.0').map((s) => s.port);
      const served = h.role === 'real' ? [80] : [];
      expect(listening('tcp').filter((p) => OURS(p) || p === 80).sort(), h.name).toEqual([...served, tcpPort(i)].sort());
      expect(listening('udp').filter((p) => OURS(p) || p === 9999).sort(), h.name).toEqual([...(h.role === 'real' ? [9999] : []), udpPort(i)].sort());
    }
    const labAddresses = new Set(lab.hosts.flatMap((h) => hostAddresses(h.spec)));
    const root = await sockets(undefined);
    expect(root.filter((s) => labAddresses.has(s.addr) || OURS(s.port)).map((s) => s.line), 'root namespace').toEqual([]);
  }

  it('runs the agents in this process\'s agent threads, each thread in an empty namespace of its own', async () => {
    const pings = await Promise.all(agents.map((a) => a.ping()));
    expect(new Set(pings.map((p) => p.pid))).toEqual(new Set([process.pid]));
    // Two threads at most: the client probes from one, every other host serves from the other.
    const servers = pings.filter((p) => p.host !== 'client');
    expect(new Set(servers.map((p) => p.tid)).size).toBe(1);
    const threads = new Map(pings.map((p) => [p.tid, p.threadNetns]));
    expect(threads.size).toBeLessThanOrEqual(2);
    const labInodes = lab.namespaces.map(namespaceInode);
    for (const [tid, threadNetns] of threads) {
      const threadNs = readlinkSync(`/proc/${process.pid}/task/${tid}/ns/net`);
      expect(threadNs).toBe(threadNetns);
      expect(threadNs).not.toBe(readlinkSync('/proc/self/ns/net'));
      expect(labInodes).not.toContain(threadNs);
      // What a stray socket would find there: a loopback that is down, nothing else.
      const links = await execa('nsenter', [`--net=/proc/${process.pid}/task/${tid}/ns/net`, 'ip', '-o', 'link']);
      expect(links.stdout.trim().split('\n')).toHaveLength(1);
      expect(links.stdout).toMatch(/^1: lo: <LOOPBACK> .* state DOWN/);
    }
  });

  it('puts listening sockets in their host\'s namespace and nowhere else', async () => {
    await expectEverySocketAtHome();
  });

  it('keeps every socket at home through many requests from every host at once', async () => {
    const file = join(dir, 'payload.txt');
    await writeFile(file, 'x'.repeat(5000));
    const work = lab.hosts.map(async (h: Host, i: number) => {
      const [peer, at] = peers[h.name];
      const p = index(peer);
      const a = agents[i];
      const self = h.address!;
      const [fresh, kept, own, udp, sent, churn] = await Promise.all([
        a.http(at, { port: tcpPort(p), count: 40, concurrency: 4 }),
        a.http(at, { port: tcpPort(p), count: 40, concurrency: 2, keepAlive: true }),
        a.http(self, { port: tcpPort(i), count: 10 }),
        a.udp(at, { port: udpPort(p), count: 10, waitReply: true }),
        a.udpFile(at, file, { port: udpPort(p), chunkSize: 1000 }),
        (async () => {
          for (let k = 0; k < 5; k++) {
            await a.serve({ protocol: 'tcp', port: churnPort(i) });
            await a.unserve('tcp', churnPort(i));
          }
          return true;
        })(),
      ]);
      const identity = lab.host(peer).identity;
      expect([...fresh, ...kept].filter((r) => r.server !== identity), `${h.name} -> ${peer}`).toEqual([]);
      expect(own.every((r) => r.server === h.identity), `${h.name} -> itself`).toBe(true);
      expect(udp.filter((r) => r.server !== identity), `${h.name} -> ${peer} udp`).toEqual([]);
      expect(sent.server).toBe(identity);
      expect(churn).toBe(true);
    });
    await Promise.all(work);
    // What the servers saw: each request came from an address of the host that sent it.
    for (const [i, h] of lab.hosts.entries()) {
      const senders = lab.hosts.filter((s) => peers[s.name][0] === h.name);
      const seen = await agents[i].httpRequests({ port: tcpPort(i), clear: true });
      expect(seen).toHaveLength(10 + senders.length * 80);
      const allowed = new Set([h.address, ...senders.flatMap((s) => hostAddresses(s.spec))]);
      expect(seen.filter((r) => !allowed.has(r.remoteAddress))).toEqual([]);
    }
    await expectEverySocketAtHome();
  });

  it('refuses a name instead of resolving it outside the host', async () => {
    await expect(agents[0].http('localhost')).rejects.toThrow(/target must be an IPv4 or IPv6 address \(got 'localhost'\): agents resolve no names/);
    await expect(agents[0].udp('example.org', { port: 9 })).rejects.toThrow(/agents resolve no names/);
  });
});
