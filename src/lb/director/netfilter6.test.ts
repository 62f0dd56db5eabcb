// The IPv6 side of the director's rules: ip6tables next to iptables, ICMPv6 errors (packet too big
// among them) queued both ways per packet, the offload's ip6 nft table, and DR policy routing with
// `ip -6`.
import { describe, expect, it } from 'vitest';
import type { Runner } from './command.js';
import { RulesManager, renderIptables, renderNft, serviceFamily, type RulesSpec } from './netfilter.js';

const VIP6 = '2001:db8::112';
const dual: RulesSpec = {
  queue: 3,
  mode: 'per-packet',
  rejectMark: 0x100,
  destMarks: new Map([['10.0.0.101:80', 0x101], ['fd00::101:80', 0x102], ['fd00::102:80', 0x103]]),
  services: [
    { key: { kind: 'tcp', addr: '192.168.1.112', port: 80 }, dests: [{ addr: '10.0.0.101', port: 80, forwarding: 'masq' }] },
    { key: { kind: 'tcp', addr: VIP6, port: 80 }, dests: [{ addr: 'fd00::101', port: 80, forwarding: 'masq' }] },
    { key: { kind: 'udp', addr: VIP6, port: 9999 }, dests: [{ addr: 'fd00::102', port: 80, forwarding: 'route' }] },
  ],
};
const q = '-j NFQUEUE --queue-num 3 --queue-bypass';

describe('renderIptables for IPv6', () => {
  it('puts each family in its own tool: no IPv6 address in the iptables rules, none of IPv4 in ip6tables', () => {
    const v4 = renderIptables(dual, true);
    const v6 = renderIptables(dual, true, undefined, 6);
    expect(v4).not.toContain('2001:db8');
    expect(v6).not.toContain('192.168.1.112');
    expect(v6).toContain(`-A LVSLAB_PRE -d ${VIP6}/128 -p tcp --dport 80 -j CT --notrack`);
    expect(v6).toContain(`-A LVSLAB_PRE -d ${VIP6}/128 -p tcp --dport 80 ${q}`);
    expect(v6).toContain('-A LVSLAB_PRE -s fd00::101/128 -p tcp --sport 80 -j CT --notrack');
    expect(v6).toContain(`-A LVSLAB_POST -s fd00::101/128 -p tcp --sport 80 ${q}`);
    expect(v6).toContain(`-A LVSLAB_PRE -d ${VIP6}/128 -p ipv6-icmp --icmpv6-type packet-too-big ${q}`);
    expect(v6).toContain(`-A LVSLAB_POST -s fd00::101/128 -p ipv6-icmp --icmpv6-type destination-unreachable ${q}`);
    // the director's own errors about NATed packets (too big for the internal link) are queued too
    expect(v6).toContain(`-A LVSLAB_POST -p ipv6-icmp --icmpv6-type packet-too-big ${q}`);
    expect(v6).toContain('-A LVSLAB_IN -m mark --mark 256 -j REJECT --reject-with icmp6-port-unreachable');
    expect(v6).toContain('-I PREROUTING 1 -j LVSLAB_PRE');
    // DR replies never come back through us: no rules for fd00::102
    expect(v6).not.toContain('fd00::102');
  });

  it('offload for IPv6: ip6tables queues only undecided connections (no notrack, no replies); nft gets an ip6 table DNATing by mark', () => {
    const off = { ...dual, mode: 'offload' as const };
    const v6 = renderIptables(off, false, undefined, 6);
    expect(v6).toContain(`-A LVSLAB_PRE -d ${VIP6}/128 -p tcp --dport 80 -m connmark --mark 0 ${q}`);
    expect(v6).not.toContain('--notrack');
    expect(v6).not.toMatch(/-A LVSLAB_POST /);
    const nft = renderNft(off);
    // both tables replaced: each created and deleted first
    expect(nft).toMatch(/^table ip lvslab \{\}\ndelete table ip lvslab\ntable ip6 lvslab \{\}\ndelete table ip6 lvslab\n/);
    const ip6 = nft.slice(nft.indexOf('table ip6 lvslab {\n'));
    expect(ip6).toContain(`ip6 daddr ${VIP6} tcp dport 80 dnat ip6 to meta mark map { 0x102 : fd00::101 . 80 }`);
    expect(ip6).toContain('ct direction original ct mark 0 meta mark { 0x100, 0x101, 0x102, 0x103 } ct mark set meta mark');
    // the DR dest (fd00::102) is routed by its mark, never DNATed; IPv4 stays in the ip table
    expect(ip6).not.toContain('fd00::102 .');
    expect(ip6).not.toContain('192.168.1.112');
    const ip4 = nft.slice(nft.indexOf('table ip lvslab {\n'), nft.indexOf('table ip6 lvslab {\n'));
    expect(ip4).toContain('ip daddr 192.168.1.112 tcp dport 80 dnat ip to meta mark map { 0x101 : 10.0.0.101 . 80 }');
    expect(ip4).not.toContain('fd00');
  });

  it('without IPv6 services nft has no ip6 table; per packet it only removes the tables', () => {
    const v4only = { ...dual, mode: 'offload' as const, services: dual.services.slice(0, 1) };
    expect(renderNft(v4only)).not.toContain('ip6');
    expect(renderNft({ ...dual, mode: 'per-packet' })).toBe('table ip lvslab {}\ndelete table ip lvslab\ntable ip6 lvslab {}\ndelete table ip6 lvslab\n');
  });

  it('knows a service family by its address or a fwmark service by its af', () => {
    expect([serviceFamily({ kind: 'tcp', addr: VIP6, port: 80 }), serviceFamily({ kind: 'fwmark', fwmark: 1 }), serviceFamily({ kind: 'fwmark', fwmark: 1, af: 10 })]).toEqual([6, 4, 6]);
  });
});

describe('RulesManager with IPv6 services', () => {
  function fakeNs() {
    const calls: string[] = [];
    const run: Runner = async (cmd, args) => {
      calls.push([cmd, ...args].join(' '));
      if (cmd === 'ip' && args.join(' ') === '-j route get fd00::102') return { exitCode: 0, stdout: '[{"dst":"fd00::102","dev":"eth1"}]', stderr: '' };
      if (cmd === 'ip' && args.includes('show')) return { exitCode: 0, stdout: '[]', stderr: '' };
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    return { calls, run };
  }

  it('installs ip6tables only once an IPv6 service exists, routes DR with ip -6, and removes both', async () => {
    const ns = fakeNs();
    const m = new RulesManager(ns.run);
    await m.apply({ ...dual, services: dual.services.slice(0, 1) });
    expect(ns.calls.some((c) => c.startsWith('ip6tables'))).toBe(false);
    await m.apply(dual);
    expect(ns.calls).toContain('ip6tables-restore -w 5 --noflush');
    expect(ns.calls).toContain('ip -6 route replace default via fd00::102 dev eth1 table 259');
    expect(ns.calls).toContain('ip -6 rule add pref 10 fwmark 259 lookup 259');
    expect(ns.calls).toContain('ip -6 rule add pref 100 lookup local');
    expect(ns.calls).not.toContain('ip rule add pref 100 lookup local'); // no IPv4 DR: the IPv4 local rule stays
    ns.calls.length = 0;
    await m.remove();
    expect(ns.calls).toContain('ip -6 rule del pref 10 fwmark 259 lookup 259');
    expect(ns.calls).toContain('ip -6 rule add pref 0 lookup local');
    expect(ns.calls).toContain('ip6tables -w 5 -t mangle -D PREROUTING -j LVSLAB_PRE');
    expect(ns.calls).toContain('iptables -w 5 -t mangle -D PREROUTING -j LVSLAB_PRE');
  });

  it('offload: the ip6 nft table comes with the first IPv6 service, is checked while it runs, and goes with the rules', async () => {
    const ns = fakeNs();
    const off = { ...dual, mode: 'offload' as const };
    const nftInputs: string[] = [];
    const run: Runner = async (cmd, args, input) => {
      if (cmd === 'nft' && args[0] === '-f') nftInputs.push(input ?? '');
      // the ip6 table has gone (someone flushed it): `nft list` fails for it
      if (cmd === 'nft' && args.join(' ') === 'list table ip6 lvslab') return { exitCode: 1, stdout: '', stderr: 'No such file or directory' };
      return ns.run(cmd, args, input);
    };
    const mm = new RulesManager(run, { director: 'ds1', pid: process.pid, start: 1 });
    await mm.apply({ ...off, services: dual.services.slice(0, 1) });
    expect(nftInputs[0]).not.toContain('ip6');
    await mm.apply(off);
    expect(nftInputs[1]).toContain('table ip6 lvslab {\n');
    expect(await mm.check()).toContain('nft table ip6 lvslab');
    ns.calls.length = 0;
    await mm.remove();
    expect(ns.calls).toContain('nft delete table ip lvslab');
    expect(ns.calls).toContain('nft delete table ip6 lvslab');
    // back to per packet: the script removes both tables and installs neither
    const m2 = new RulesManager(run);
    await m2.apply(off);
    await m2.apply(dual);
    expect(nftInputs.at(-1)).toBe('table ip lvslab {}\ndelete table ip lvslab\ntable ip6 lvslab {}\ndelete table ip6 lvslab\n');
  });

  it('reports a failing ip6tables-restore clearly', async () => {
    const run: Runner = async (cmd) => (cmd === 'ip6tables-restore' ? { exitCode: 1, stdout: '', stderr: 'ip6tables-restore: line 5 failed' } : { exitCode: 0, stdout: '[]', stderr: '' });
    await expect(new RulesManager(run).apply(dual)).rejects.toThrow('ip6tables-restore failed: ip6tables-restore: line 5 failed');
  });
});
