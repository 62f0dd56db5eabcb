// A long traffic soak: a kept lab's embedded director carries HTTP and UDP through the VIP for
// --minutes, in batches at a bounded rate (a batch of BATCH requests and BATCH datagrams every
// BATCH_EVERY_MS at most), sent by one agent in the client's namespace; every request must be
// answered by a real server, round robin; every datagram must be sent, and the director's per-real-
// server UDP counters (ipvsadm -Ln --stats --exact) must show them all, split evenly.
// The director daemon's RSS is sampled throughout: after the traffic stops and the connection table
// drains (short timeouts, set with ipvsadm --set), it must be within RSS_BOUND of its steady state
// (the highest sample of the second half of the traffic, when the connection table is full).
import { setTimeout as sleep } from 'node:timers/promises';
import { teardownLab } from '../../../src/lab/teardown.js';
import { attachLab } from '../../../src/lab/lab.js';
import { daemonPid, ipvsadm, rssKiB, upServing, VIP } from '../director.js';
import { lvslab } from '../soak-lab.js';
import type { Phase } from './phase.js';

const BATCH = 20;
const BATCH_EVERY_MS = 4000;
/** final RSS at most this much above steady state (a leak of connection state would show as growth) */
const RSS_BOUND = 1.25;
/** TCP, TCP FIN, UDP timeouts (s): short, so the table drains in seconds once traffic stops */
const TIMEOUTS = '--set 60 5 5';
const DRAIN_MS = 120_000;

/** Inbound packets per UDP real server of the VIP's UDP service, from the director's counters. */
async function udpStats(ctx: Parameters<Phase['run']>[0], id: string): Promise<Map<string, number>> {
  const r = await ipvsadm(ctx, id, '-Ln --stats --exact');
  if (r.exitCode !== 0) throw new Error(`ipvsadm -Ln --stats --exact: ${r.stderr.trim()}`);
  const out = new Map<string, number>();
  let udp = false;
  for (const line of r.stdout.split('\n')) {
    if (/^(TCP|UDP|FWM)\s/.test(line)) udp = line.startsWith('UDP');
    const m = /^\s+->\s+(\S+)\s+\d+\s+(\d+)/.exec(line);
    if (udp && m) out.set(m[1], Number(m[2]));
  }
  return out;
}

export const traffic: Phase = {
  name: 'traffic',
  summary: 'HTTP + UDP through the embedded director for --minutes at a bounded rate: 0 errors, RSS back within bound after the table drains',
  async run(ctx) {
    const lab = await upServing(ctx);
    if ('error' in lab) {
      ctx.log(`traffic: lab not serving: ${lab.error}`);
      if (lab.id) await lvslab(ctx, ['down', lab.id]);
      return { cycles: 0, leftovers: 0, failures: 1 };
    }
    const { id } = lab;
    let failures = 0;
    try {
      const set = await ipvsadm(ctx, id, TIMEOUTS);
      if (set.exitCode !== 0) throw new Error(`ipvsadm ${TIMEOUTS}: ${set.stderr.trim()}`);
      const pid = await daemonPid(id);
      if (pid === undefined) throw new Error('no director daemon recorded');
      const start = Date.now();
      const until = Math.min(start + ctx.minutes * 60_000, ctx.deadline);
      const samples: Array<{ t: number; kib: number }> = [];
      const total = { http: { sent: 0, ok: 0 }, udp: { sent: 0, ok: 0 } };
      const servers = new Map<string, number>();
      const errors: string[] = [];
      const tally = (kind: 'http' | 'udp', rs: Array<{ ok: boolean; server?: string; error?: string }>) => {
        total[kind].sent += rs.length;
        for (const r of rs) {
          if (!r.ok) errors.push(`${kind}: ${r.error ?? 'no answer'}`);
          else total[kind].ok++;
          if (r.ok && kind === 'http') servers.set(`http ${r.server}`, (servers.get(`http ${r.server}`) ?? 0) + 1);
        }
      };
      const udpBefore = await udpStats(ctx, id);
      const agent = await (await attachLab(id)).startAgent('client');
      let batches = 0;
      try {
        while (Date.now() < until) {
        const t0 = Date.now();
        const [h, u] = await Promise.all([agent.http(VIP, { port: 80, count: BATCH, keepAlive: false }), agent.udp(VIP, { port: 9999, count: BATCH, waitReply: false })]);
        tally('http', h);
        tally('udp', u);
        const kib = rssKiB(pid);
        if (kib === undefined) throw new Error(`the director daemon (pid ${pid}) is gone`);
        samples.push({ t: Date.now() - start, kib });
        if (++batches % 10 === 0) ctx.log(`traffic: ${Math.round((Date.now() - start) / 1000)} s, ${total.http.ok}/${total.http.sent} HTTP, ${total.udp.ok}/${total.udp.sent} UDP sent, daemon RSS ${(kib / 1024).toFixed(1)} MiB`);
        await sleep(Math.max(0, BATCH_EVERY_MS - (Date.now() - t0)));
        }
      } finally {
        await agent.stop();
      }
      await sleep(500);
      const udpAfter = await udpStats(ctx, id);
      for (const [rs, n] of udpAfter) servers.set(`udp ${rs}`, n - (udpBefore.get(rs) ?? 0));
      const udpSeen = [...udpAfter].reduce((a, [rs, n]) => a + n - (udpBefore.get(rs) ?? 0), 0);
      if (udpSeen !== total.udp.ok) errors.push(`udp: ${total.udp.ok} datagrams sent, the director NATed ${udpSeen}`);
      const secs = (Date.now() - start) / 1000;
      // drain: wait (bounded) until the connection table is empty
      const drainStart = Date.now();
      let conns = -1;
      while (Date.now() - drainStart < DRAIN_MS) {
        const l = await ipvsadm(ctx, id, '-Lnc');
        conns = l.stdout.split('\n').filter((x) => /^(TCP|UDP)\s/.test(x)).length;
        if (conns === 0) break;
        await sleep(2000);
      }
      await sleep(2000);
      const final = rssKiB(pid) ?? 0;
      const second = samples.filter((s) => s.t >= (until - start) / 2);
      const steady = Math.max(...(second.length ? second : samples).map((s) => s.kib));
      const first = samples[0]?.kib ?? 0;
      const mib = (k: number) => (k / 1024).toFixed(1);
      const errs = errors.length;
      const within = final <= steady * RSS_BOUND;
      ctx.log(`traffic: ${secs.toFixed(0)} s, ${batches} batches: HTTP ${total.http.ok}/${total.http.sent} answered, UDP ${total.udp.ok}/${total.udp.sent} sent (${udpSeen} NATed) (${((total.http.sent + total.udp.sent) / secs).toFixed(1)}/s), ${errs} errors`);
      ctx.log(`traffic: answers per real server: ${[...servers].sort().map(([s, n]) => `${s} ${n}`).join(', ')}`);
      for (const e of [...new Set(errors)].slice(0, 10)) ctx.log(`traffic: error ${e}`);
      ctx.log(`traffic: daemon RSS first ${mib(first)} MiB, steady ${mib(steady)} MiB, after the table drained (${conns} connections left, ${((Date.now() - drainStart) / 1000).toFixed(0)} s) ${mib(final)} MiB: ${within ? 'within' : 'ABOVE'} ${RSS_BOUND}x steady`);
      failures += errs + Number(!within) + Number(conns !== 0);
      // round robin intact: both real servers answered both kinds, about equally
      for (const kind of ['http', 'udp']) {
        const ns = [...servers].filter(([s]) => s.startsWith(kind)).map(([, n]) => n);
        if (ns.length !== 2 || Math.max(...ns) - Math.min(...ns) > Math.max(2, 0.1 * Math.max(...ns))) {
          ctx.log(`traffic: ${kind} not round robin over both real servers`);
          failures++;
        }
      }
    } catch (err) {
      ctx.log(`traffic: FAIL ${(err as Error).message}`);
      failures++;
    } finally {
      const down = await lvslab(ctx, ['down', id]);
      if (down.exitCode !== 0) await teardownLab(id).catch(() => undefined);
    }
    return { cycles: 1, leftovers: 0, failures };
  },
};
