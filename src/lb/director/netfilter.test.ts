import { describe, expect, it } from 'vitest';
import type { Runner } from './command.js';
import { processStart } from '../../lab/procs.js';
import { RulesManager, chainOwners, jumpsIn, ownerComment, renderIptables, renderNft, routedDests, type RulesOwner, type RulesSpec } from './netfilter.js';

const nat: RulesSpec = {
  queue: 3,
  mode: 'per-packet',
  rejectMark: 0x100,
  destMarks: new Map([['10.0.0.101:80', 0x101], ['10.0.0.102:80', 0x102]]),
  services: [
    { key: { kind: 'tcp', addr: '192.168.1.112', port: 80 }, dests: [
      { addr: '10.0.0.102', port: 80, forwarding: 'masq' },
      { addr: '10.0.0.101', port: 80, forwarding: 'masq' },
    ] },
    { key: { kind: 'udp', addr: '192.168.1.112', port: 9999 }, dests: [{ addr: '10.0.0.101', port: 9999, forwarding: 'masq' }] },
  ],
};

describe('renderIptables', () => {
  it('queues VIP traffic at PREROUTING and real-server replies at POSTROUTING, untracked, per packet', () => {
    const t = renderIptables(nat, true);
    const q = '-j NFQUEUE --queue-num 3 --queue-bypass';
    expect(t).toContain('-A LVSLAB_PRE -d 192.168.1.112/32 -p tcp --dport 80 -j CT --notrack');
    expect(t).toContain('-A LVSLAB_PRE -s 10.0.0.101/32 -p tcp --sport 80 -j CT --notrack');
    expect(t).toContain('-A LVSLAB_PRE -s 10.0.0.101/32 -p udp --sport 9999 -j CT --notrack');
    expect(t).toContain(`-A LVSLAB_PRE -d 192.168.1.112/32 -p udp --dport 9999 ${q}`);
    expect(t).toContain(`-A LVSLAB_POST -s 10.0.0.102/32 -p tcp --sport 80 ${q}`);
    expect(t).toContain(`-A LVSLAB_POST -s 10.0.0.101/32 -p icmp --icmp-type destination-unreachable ${q}`);
    expect(t).toContain('-A LVSLAB_IN -m mark --mark 256 -j REJECT --reject-with icmp-port-unreachable');
    expect(t).toContain('-I PREROUTING 1 -j LVSLAB_PRE');
    expect(t).toContain('-I INPUT 1 -j LVSLAB_IN');
    // ICMP rules for the VIP appear once even with two services on it
    expect(t.split('\n').filter((l) => l.includes('-d 192.168.1.112/32 -p icmp --icmp-type time-exceeded')).length).toBe(1);
    // three tables, each committed
    expect(t.match(/^COMMIT$/gm)?.length).toBe(3);
    expect(renderIptables(nat, false)).not.toContain('-I PREROUTING');
  });

  it('offload queues only undecided connections and keeps conntrack', () => {
    const t = renderIptables({ ...nat, mode: 'offload' }, false);
    expect(t).not.toContain('--notrack');
    expect(t).toContain('-A LVSLAB_PRE -d 192.168.1.112/32 -p tcp --dport 80 -m connmark --mark 0 -j NFQUEUE');
    expect(t).not.toContain('LVSLAB_POST -s');
    // NAT replies pass the director: conntrack never finds them invalid, nothing more is queued
    expect(t).not.toContain('INVALID');
  });

  it('offload with DR dests also queues what conntrack finds invalid (one-arm DR: it never sees the SYN-ACK)', () => {
    const dr: RulesSpec = { ...nat, mode: 'offload', services: [
      { key: { kind: 'tcp', addr: '192.168.1.112', port: 80 }, dests: [{ addr: '10.0.0.101', port: 80, forwarding: 'route' }] },
      { key: { kind: 'fwmark', fwmark: 7 }, dests: [{ addr: '10.0.0.102', port: 0, forwarding: 'route' }] },
    ] };
    const t = renderIptables(dr, false);
    expect(t).toContain('-A LVSLAB_PRE -d 192.168.1.112/32 -p tcp --dport 80 -m connmark --mark 0 -j NFQUEUE');
    expect(t).toContain('-A LVSLAB_PRE -d 192.168.1.112/32 -p tcp --dport 80 -m conntrack --ctstate INVALID -j NFQUEUE');
    expect(t).toContain('-A LVSLAB_PRE -m mark --mark 7 -m conntrack --ctstate INVALID -j NFQUEUE');
  });

  it('DR needs no reply rules; fwmark services are queued by mark', () => {
    const dr: RulesSpec = { ...nat, services: [
      { key: { kind: 'tcp', addr: '192.168.1.112', port: 80 }, dests: [{ addr: '10.0.0.101', port: 80, forwarding: 'route' }] },
      { key: { kind: 'fwmark', fwmark: 7 }, dests: [] },
    ] };
    const t = renderIptables(dr, false);
    expect(t).not.toContain('LVSLAB_POST -s');
    expect(t).toContain('-A LVSLAB_PRE -m mark --mark 7 -j NFQUEUE');
    expect(routedDests(dr)).toEqual(new Map([[0x101, '10.0.0.101']]));
  });
});

describe('renderNft', () => {
  it('per-packet mode only removes the table', () => {
    expect(renderNft(nat)).toBe('table ip lvslab {}\ndelete table ip lvslab\n');
  });
  it('offload maps verdict marks to DNAT targets and keeps the mark in conntrack', () => {
    const s = renderNft({ ...nat, mode: 'offload' });
    expect(s).toContain('ct direction original ct mark 0 meta mark { 0x100, 0x101, 0x102 } ct mark set meta mark');
    expect(s).toContain('ip daddr 192.168.1.112 tcp dport 80 dnat ip to meta mark map { 0x102 : 10.0.0.102 . 80, 0x101 : 10.0.0.101 . 80 }');
  });
});

describe('RulesManager', () => {
  it('installs DR routing per mark, moves the local rule, and undoes it all', async () => {
    const calls: string[] = [];
    const run: Runner = async (cmd, args) => {
      calls.push([cmd, ...args].join(' '));
      if (cmd === 'ip' && args.join(' ') === '-j route get 10.0.0.101') return { exitCode: 0, stdout: '[{"dst":"10.0.0.101","dev":"eth1"}]', stderr: '' };
      if (cmd === 'ip' && args.join(' ') === '-j rule show') return { exitCode: 0, stdout: '[]', stderr: '' };
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    const m = new RulesManager(run);
    const dr: RulesSpec = { ...nat, services: [{ key: { kind: 'tcp', addr: '192.168.1.112', port: 80 }, dests: [{ addr: '10.0.0.101', port: 80, forwarding: 'route' }] }] };
    await m.apply(dr);
    expect(calls).toContain('ip route replace default via 10.0.0.101 dev eth1 table 257');
    expect(calls).toContain('ip rule add pref 10 fwmark 257 lookup 257');
    expect(calls).toContain('ip rule add pref 100 lookup local');
    expect(calls).toContain('ip rule del pref 0 lookup local');
    calls.length = 0;
    await m.remove();
    expect(calls).toContain('ip rule del pref 10 fwmark 257 lookup 257');
    expect(calls).toContain('ip rule add pref 0 lookup local');
    expect(calls).toContain('iptables -w 5 -t mangle -D POSTROUTING -j LVSLAB_POST');
  });

  it('reports a failing iptables-restore clearly', async () => {
    const run: Runner = async (cmd) => (cmd === 'iptables-restore' ? { exitCode: 1, stdout: '', stderr: 'iptables-restore: line 3 failed' } : { exitCode: 0, stdout: '[]', stderr: '' });
    await expect(new RulesManager(run).apply(nat)).rejects.toThrow('iptables-restore failed: iptables-restore: line 3 failed');
  });
});

describe('owned rules', () => {
  const me: RulesOwner = { director: 'ds1', pid: 4242, start: 99 };

  it('each of our chains starts with its owner, and iptables-save gives the owner back', () => {
    const t = renderIptables(nat, true, me);
    for (const chain of ['LVSLAB_PRE', 'LVSLAB_POST', 'LVSLAB_IN']) {
      const lines = t.split('\n');
      const flush = lines.indexOf(`-F ${chain}`);
      expect(lines[flush + 1]).toBe(`-A ${chain} -m comment --comment lvslab-owner:ds1:4242:99`);
    }
    const save = ['*mangle', ':LVSLAB_PRE - [0:0]', '-A PREROUTING -j LVSLAB_PRE', `-A LVSLAB_PRE -m comment --comment ${ownerComment(me)}`, 'COMMIT', '*filter', '-A INPUT -j LVSLAB_IN', '-A LVSLAB_IN -m comment --comment "lvslab-owner:ds2:7:8"', 'COMMIT'].join('\n');
    expect(chainOwners(save)).toEqual(new Map([['mangle/LVSLAB_PRE', me], ['filter/LVSLAB_IN', { director: 'ds2', pid: 7, start: 8 }]]));
    expect(jumpsIn(save)).toEqual(new Set(['mangle/PREROUTING/LVSLAB_PRE', 'filter/INPUT/LVSLAB_IN']));
  });

  /** A namespace's iptables as a fake runner sees it: iptables-save prints `save`. */
  function fakeNs(save: () => string) {
    const calls: string[] = [];
    const inputs: string[] = [];
    const run: Runner = async (cmd, args, input) => {
      calls.push([cmd, ...args].join(' '));
      if (input !== undefined) inputs.push(input);
      if (cmd === 'iptables-save') return { exitCode: 0, stdout: save(), stderr: '' };
      if (cmd === 'ip' && args[1] === 'rule') return { exitCode: 0, stdout: '[]', stderr: '' };
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    return { calls, inputs, run };
  }

  it("never removes a live daemon's rules: a second daemon refuses to install, and leaves them on its way out", async () => {
    // the rules of a daemon that runs: this very process, under another director's name
    const live: RulesOwner = { director: 'ds1', pid: process.pid, start: (await processStart(process.pid))! };
    const ns = fakeNs(() => ['*mangle', '-A PREROUTING -j LVSLAB_PRE', '-A POSTROUTING -j LVSLAB_POST', `-A LVSLAB_PRE -m comment --comment ${ownerComment(live)}`, `-A LVSLAB_POST -m comment --comment ${ownerComment(live)}`, 'COMMIT'].join('\n'));
    const second = new RulesManager(ns.run, { director: 'ds1', pid: 1, start: 1 });
    await expect(second.apply(nat)).rejects.toThrow(`belong to a running director daemon (ds1, pid ${process.pid}): not touching them`);
    expect(ns.calls.filter((c) => c.startsWith('iptables ') || c.startsWith('iptables-restore'))).toEqual([]);
    const problems = await second.remove();
    expect(problems.join('\n')).toContain(`mangle/LVSLAB_PRE belongs to another director daemon (pid ${process.pid}): left alone`);
    expect(ns.calls.some((c) => / -t mangle -(D|F|X) /.test(c) && c.includes('LVSLAB_PRE'))).toBe(false);
  });

  it("clears a dead daemon's leftovers before installing its own", async () => {
    const dead: RulesOwner = { director: 'ds1', pid: 2 ** 22 + 1, start: 1 };
    const ns = fakeNs(() => ['*mangle', '-A PREROUTING -j LVSLAB_PRE', `-A LVSLAB_PRE -m comment --comment ${ownerComment(dead)}`, 'COMMIT'].join('\n'));
    await new RulesManager(ns.run, me).apply(nat);
    expect(ns.calls).toContain('iptables -w 5 -t mangle -D PREROUTING -j LVSLAB_PRE');
    expect(ns.calls.some((c) => c.startsWith('iptables-restore'))).toBe(true);
  });

  it('check() names what went missing behind its back, and reinstall() puts the jumps back', async () => {
    const full = ['*raw', '-A PREROUTING -j LVSLAB_PRE', `-A LVSLAB_PRE -m comment --comment ${ownerComment(me)}`, 'COMMIT', '*mangle', '-A PREROUTING -j LVSLAB_PRE', '-A POSTROUTING -j LVSLAB_POST', `-A LVSLAB_PRE -m comment --comment ${ownerComment(me)}`, `-A LVSLAB_POST -m comment --comment ${ownerComment(me)}`, 'COMMIT', '*filter', '-A INPUT -j LVSLAB_IN', '-A FORWARD -j LVSLAB_IN', `-A LVSLAB_IN -m comment --comment ${ownerComment(me)}`, 'COMMIT'].join('\n');
    let state = '';
    const ns = fakeNs(() => state);
    const m = new RulesManager(ns.run, me);
    await m.apply(nat);
    state = full;
    expect(await m.check()).toEqual([]);
    state = full.replace('-A PREROUTING -j LVSLAB_PRE\n-A POSTROUTING', '-A POSTROUTING');
    expect(await m.check()).toEqual(['mangle PREROUTING -j LVSLAB_PRE']);
    state = '';
    expect(await m.check()).toHaveLength(9);
    ns.inputs.length = 0;
    await m.reinstall();
    expect(ns.inputs[0]).toContain('-I PREROUTING 1 -j LVSLAB_PRE');
    expect(ns.inputs[0]).toContain(`-A LVSLAB_IN -m comment --comment ${ownerComment(me)}`);
  });
});
