// The control plane: thresholds, the dest trash, and what the kernel refuses (as ipvsadm shows it).
import { describe, expect, it } from 'vitest';
import { lab, picks, rrLab as rr } from '../../../test/ipvs/testkit.js';
import { kernelProfile } from './kernel.js';

const VIP = '192.168.1.112:80';

describe('thresholds', () => {
  it('-x marks a dest overloaded at u_threshold and clears it below the lower one, u - u/4', () => {
    const l = lab();
    l.run(`-A -u ${VIP} -s rr`, `-a -u ${VIP} -r 10.0.0.101:80 -m -x 4`, `-a -u ${VIP} -r 10.0.0.102:80 -m`);
    // rr alternates until .101 holds 4 conns, then skips it
    expect(picks(l, 'udp', VIP, 10)).toEqual(['102', '101', '102', '101', '102', '101', '102', '101', '102', '102']);
    const d = l.ipvs.services[0].dests.find((x) => x.addrStr === '10.0.0.101')!;
    expect(d.overload).toBe(true);
    // conns expire one by one: 3*4 = 12 < 16 clears it when the 2nd one goes, not the 1st
    l.advance(300 - 0.001);
    expect(d.overload).toBe(true);
  });

  it('hysteresis: cleared when totalconns leaves l_threshold_val (u - u/4, or l_threshold when set)', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -m -x 4`);
    const d = l.ipvs.services[0].dests[0];
    for (let i = 0; i < 4; i++) {
      l.conn('tcp', `10.9.0.1:${i + 1}`, VIP);
      l.advance(1);
    }
    expect(d.overload).toBe(true);
    expect(l.conn('tcp', '10.9.0.1:99', VIP)).toBe('none');
    l.advance(56.5); // now t=60.5: the first conn (t=0) expired at 60 s
    expect(d.totalConns()).toBe(3);
    expect(d.overload).toBe(true); // 12 < 12 is false
    l.advance(1);
    expect(d.totalConns()).toBe(2);
    expect(d.overload).toBe(false); // 8 < 12
    const m = lab();
    m.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -m -x 2 -y 1`);
    const e = m.ipvs.services[0].dests[0];
    m.conn('tcp', '10.9.0.1:1', VIP);
    m.advance(1);
    m.conn('tcp', '10.9.0.1:2', VIP);
    expect(e.overload).toBe(true);
    m.advance(59.5);
    expect(e.totalConns()).toBe(1);
    expect(e.overload).toBe(true); // 1 < 1 is false
    m.advance(1);
    expect(e.overload).toBe(false);
  });

  it('pinned kernel: templates do not count toward the thresholds (totalconns is normal conns only)', () => {
    const l = lab();
    l.run(`-A -u ${VIP} -s rr -p 60`, `-a -u ${VIP} -r 10.0.0.101:80 -m -x 2`);
    const d = l.ipvs.services[0].dests[0];
    l.conn('udp', '10.9.0.1:1', VIP);
    expect({ persist: d.persistConns, total: d.totalConns(), overload: d.overload }).toEqual({ persist: 1, total: 1, overload: false });
    l.conn('udp', '10.9.0.1:2', VIP);
    expect(d.overload).toBe(true);
    // mainline counted the template in: one conn and its template already reach -x 2
    const m = lab({ kernel: kernelProfile('6.1') });
    m.run(`-A -u ${VIP} -s rr -p 60`, `-a -u ${VIP} -r 10.0.0.101:80 -m -x 2`);
    m.conn('udp', '10.9.0.1:1', VIP);
    expect(m.ipvs.services[0].dests[0].overload).toBe(true);
  });

  it('pinned kernel: between the thresholds the flag is kept both ways; an edit of a threshold re-evaluates it', () => {
    const l = lab({ sysctl: {} });
    l.run('--set 0 0 10', `-A -u ${VIP} -s rr`, `-a -u ${VIP} -r 10.0.0.101:80 -m -x 4 -y 2`);
    const d = l.ipvs.services[0].dests[0];
    for (let i = 0; i < 3; i++) {
      l.conn('udp', `10.9.0.1:${i + 1}`, VIP);
      l.advance(1);
    }
    // 3: below u, never overloaded on the way up
    expect(d.overload).toBe(false);
    l.conn('udp', '10.9.0.1:4', VIP);
    expect(d.overload).toBe(true);
    l.advance(7.5); // the first conn expired: 3 conns, between l and u: kept
    expect([d.totalConns(), d.overload]).toEqual([3, true]);
    l.advance(1); // 2: still kept (cleared only when leaving l = 2)
    expect([d.totalConns(), d.overload]).toEqual([2, true]);
    l.advance(1);
    expect([d.totalConns(), d.overload]).toEqual([1, false]);
    // an edit that changes a threshold re-evaluates with mode 0: set at >= u
    l.run(`-e -u ${VIP} -r 10.0.0.101:80 -m -x 1`);
    expect(d.overload).toBe(true);
    // the same thresholds again change nothing
    l.advance(1);
    expect(d.totalConns()).toBe(0);
    expect(d.overload).toBe(false);
  });

  it('overhead: (activeconns << 8) + totalconns on the pinned kernel, + inactconns on mainline', () => {
    for (const [kernel, want] of [[undefined, 256 + 3], [kernelProfile('6.1'), 256 + 2]] as const) {
      const l = lab({ kernel });
      l.run(`-A -t ${VIP} -s rr`, `-a -t ${VIP} -r 10.0.0.101:80 -m`);
      // three SYNs (SYN_RECV, active); the server resets two of them (CLOSE, inactive)
      for (let i = 1; i <= 3; i++) l.conn('tcp', `10.9.0.1:${i}`, VIP);
      for (let i = 2; i <= 3; i++) l.packet('tcp', `10.9.0.1:${i}`, VIP, 'out', 'R');
      const d = l.ipvs.services[0].dests[0];
      expect([d.activeConns, d.inactConns, d.overhead()]).toEqual([1, 2, want]);
    }
  });

  it('rejects a lower threshold above the upper one, as the kernel does (ERANGE)', () => {
    const l = lab();
    l.run(`-A -t ${VIP}`);
    const r = l.ipvsadm(['-a', '-t', VIP, '-r', '10.0.0.101', '-x', '2', '-y', '3']);
    expect(r).toEqual({ stdout: '', stderr: 'Numerical result out of range\n', status: 255 });
  });
});

describe('the dest trash', () => {
  it('a deleted dest keeps its conns (dropped packets) and comes back with its counters', () => {
    const l = rr();
    expect(l.conn('tcp', '10.9.0.1:1', VIP)).toBe('10.0.0.102:80');
    l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A');
    l.advance(2);
    l.run(`-d -t ${VIP} -r 10.0.0.102:80`);
    expect(l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A').action).toBe('drop');
    l.run(`-a -t ${VIP} -r 10.0.0.102:80 -m`);
    expect(l.counts('10.0.0.102:80')).toEqual({ active: 1, inact: 0, persist: 0 });
    expect(l.ipvs.snapshot().services[0].dests[0].stats.conns).toBe(1);
    expect(l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A').action).toBe('dnat');
  });

  it('an idle deleted dest is purged after the trash period; re-adding then starts from zero', () => {
    const l = rr();
    l.conn('tcp', '10.9.0.1:1', VIP);
    l.advance(2); // the estimator picks up the conn count
    expect(l.ipvs.snapshot().services[0].dests[0].stats.conns).toBe(1);
    l.run(`-d -t ${VIP} -r 10.0.0.102:80`);
    expect(l.ipvs.trash).toHaveLength(1);
    l.advance(60); // t=62: the SYN_RECV conn expired at 60; the first trash check marks it idle
    l.advance(60); // t=122: idle for 60 s only
    expect(l.ipvs.trash).toHaveLength(1);
    l.advance(60); // t=182: idle for 120 s, freed
    expect(l.ipvs.trash).toHaveLength(0);
    l.run(`-a -t ${VIP} -r 10.0.0.102:80 -m`);
    l.advance(2);
    expect(l.ipvs.snapshot().services[0].dests[0].stats.conns).toBe(0);
  });

  it('an lblc cache entry keeps a deleted dest in the trash; -E to another scheduler lets it go', () => {
    const l = lab();
    l.run(`-A -u ${VIP} -s lblc`, `-a -u ${VIP} -r 10.0.0.101:80 -m`, `-a -u ${VIP} -r 10.0.0.102:80 -m`);
    expect(l.conn('udp', '10.9.0.1:1', VIP)).toBe('10.0.0.102:80');
    l.run(`-d -u ${VIP} -r 10.0.0.102:80`);
    l.advance(600); // the UDP conn is long gone, the cache entry (24 h) still points at the dest
    expect(l.ipvs.trash.map((d) => d.addrStr)).toEqual(['10.0.0.102']);
    l.run(`-E -u ${VIP} -s rr`); // unbinding lblc flushes its table
    l.advance(180);
    expect(l.ipvs.trash).toHaveLength(0);
  });

  it('expire_nodest_conn=1 flushes the conns (and their templates) of a deleted dest', () => {
    const l = rr('t', '-p 300', { expireNodestConn: 1 });
    l.conn('tcp', '10.9.0.1:1', VIP);
    l.conn('tcp', '10.9.0.2:1', VIP);
    expect(l.ipvs.snapshot().connections).toHaveLength(4);
    l.run(`-d -t ${VIP} -r 10.0.0.102:80`);
    // only the other dest's conn and template remain; the deleted dest is free of conns
    expect(l.ipvs.snapshot().connections.map((c) => c.dest.addr)).toEqual(['10.0.0.101', '10.0.0.101']);
    expect(l.ipvs.trash[0].totalConns()).toBe(0);
    expect(l.packet('tcp', '10.9.0.1:1', VIP, 'in', 'A').action).toBe('accept');
  });
});

describe('control plane', () => {
  it("gives ipvsadm's messages and status 255 for kernel refusals", () => {
    const l = lab();
    const r = (line: string) => l.ipvsadm(line.split(' '));
    expect(r(`-A -t ${VIP} -s rr`).status).toBe(0);
    expect(r(`-A -t ${VIP} -s rr`)).toEqual({ stdout: '', stderr: 'Service already exists\n', status: 255 });
    expect(r(`-A -t 10.0.0.1:80 -s nosuch`)).toEqual({ stdout: '', stderr: 'Scheduler or persistence engine not found\n', status: 255 });
    expect(r(`-E -t 10.0.0.9:80 -s rr`).stderr).toBe('No such service\n');
    expect(r(`-D -t 10.0.0.9:80`).stderr).toBe('No such service\n');
    expect(r(`-a -t 10.0.0.9:80 -r 10.0.0.101`).stderr).toBe('Service not defined\n');
    expect(r(`-a -t ${VIP} -r 10.0.0.101`).status).toBe(0);
    expect(r(`-a -t ${VIP} -r 10.0.0.101`).stderr).toBe('Destination already exists\n');
    expect(r(`-e -t ${VIP} -r 10.0.0.102`).stderr).toBe('No such destination\n');
    expect(r(`-d -t ${VIP} -r 10.0.0.102`).stderr).toBe('No such destination\n');
    expect(r(`--stop-daemon master`).stderr).toBe('No daemon is running\n');
  });

  it('-E replaces the whole service as ipvsadm sends it (no -p: not persistent; no -s: wlc)', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s rr -p 60`);
    l.run(`-E -t ${VIP}`);
    const o = l.ipvs.snapshot().services[0].options;
    expect(o.scheduler).toBe('wlc');
    expect(o.persistence).toBeUndefined();
  });

  it('lists with the kernel list order newest first in the snapshot; ipvsadm sorts for display', () => {
    const l = rr();
    expect(l.ipvs.snapshot().services[0].dests.map((d) => d.addr)).toEqual(['10.0.0.102', '10.0.0.101']);
    expect(l.run('-Ln')).toBe(
      'IP Virtual Server version 1.2.1 (size=4096)\n' +
        'Prot LocalAddress:Port Scheduler Flags\n' +
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n' +
        `TCP  ${VIP} rr\n` +
        `  -> ${'10.0.0.101:80'.padEnd(28)} Masq    1      0          0         \n` +
        `  -> ${'10.0.0.102:80'.padEnd(28)} Masq    1      0          0         \n`,
    );
  });

  it('-S output restores into an identical table with -R', () => {
    const l = lab();
    l.run(`-A -t ${VIP} -s wrr -p 120`, `-a -t ${VIP} -r 10.0.0.101:80 -m -w 3`, `-A -u ${VIP} -s sh -b sh-port`, `-a -u ${VIP} -r 10.0.0.102:80 -g`);
    const saved = l.run('-S -n');
    const m = lab();
    expect(m.ipvsadm(['-R'], saved).status).toBe(0);
    expect(m.run('-S -n')).toBe(saved);
    expect(m.run('-Ln')).toBe(l.run('-Ln'));
  });

  it('--start-daemon is recorded and listed when no sync engine is plugged in', () => {
    const l = lab();
    l.run('--start-daemon master --mcast-interface eth1 --syncid 5');
    expect(l.run('-L --daemon')).toContain('master sync daemon (mcast=eth1, syncid=5');
    expect(l.ipvsadm(['--start-daemon', 'master']).stderr).toBe('Daemon has already run\n');
  });
});

describe('ip_vs_service_find', () => {
  it('gives FTP data (port 20, or 1024 and up) to an FTP service of the address, then a port-zero one', () => {
    const l = lab();
    l.run('-A -t 10.0.0.100:21 -s rr', '-A -t 10.0.0.101:0 -s rr -p 60', '-A -u 10.0.0.100:21 -s rr');
    const ctl = (l.ipvs as unknown as { ctl: { findService(p: number, v: number, port: number, m: number): { port: number; protocol: number } | null } }).ctl;
    const v100 = 0x0a000064;
    expect(ctl.findService(6, v100, 5000, 0)?.port).toBe(21);
    expect(ctl.findService(6, v100, 20, 0)?.port).toBe(21);
    expect(ctl.findService(6, v100, 80, 0)).toBeNull();
    expect(ctl.findService(17, v100, 5000, 0)).toBeNull();
    expect(ctl.findService(6, v100 + 1, 8080, 0)?.port).toBe(0);
  });
});
