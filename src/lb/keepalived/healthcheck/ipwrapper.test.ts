import { describe, expect, it } from 'vitest';
import { parseKeepalivedConf } from '../parse.js';
import { plansFor } from './plan.js';
import { VirtualServerState } from './ipwrapper.js';
import { CheckerState, type ProbeResult } from './state.js';

const VS = '[192.168.1.112]:tcp:80';
function pool(extra: string, rs = [['10.0.0.101', 1], ['10.0.0.102', 1]] as Array<[string, number]>, rsExtra = '') {
  const text = `virtual_server 192.168.1.112 80 {
  delay_loop 1
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  ${extra}
${rs.map(([ip, w]) => `  real_server ${ip} 80 {\n    weight ${w}\n    ${rsExtra}\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }`).join('\n')}
}
`;
  return new VirtualServerState(plansFor(parseKeepalivedConf(text).config.virtualServers[0]!));
}

describe('VirtualServerState: quorum and the sorry server', () => {
  it('losing the last server loses quorum: the sorry server comes in, the script runs; quorum back: real servers again', () => {
    const vs = pool('sorry_server 10.0.0.103 80\n  quorum_up /bin/up.sh\n  quorum_down /bin/down.sh');
    expect([vs.quorumUp, vs.sorryAlive]).toEqual([true, false]);
    expect(vs.checkerChanged(0, false)).toEqual({
      log: [`Removing service [10.0.0.101]:tcp:80 from VS ${VS}`],
      argv: [['-d', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80']],
      scripts: [],
    });
    expect(vs.checkerChanged(1, false)).toEqual({
      log: [
        `Removing service [10.0.0.102]:tcp:80 from VS ${VS}`,
        `Lost quorum 1-0=1 > 0 for VS ${VS}`,
        `Adding sorry server [10.0.0.103]:tcp:80 to VS ${VS}`,
        `Removing alive servers from the pool for VS ${VS}`,
      ],
      argv: [
        ['-d', '-t', '192.168.1.112:80', '-r', '10.0.0.102:80'],
        ['-a', '-t', '192.168.1.112:80', '-r', '10.0.0.103:80', '-m', '-w', '1'],
      ],
      scripts: ['/bin/down.sh'],
    });
    expect(vs.checkerChanged(1, true)).toEqual({
      log: [
        `Adding service [10.0.0.102]:tcp:80 to VS ${VS}`,
        `Gained quorum 1+0=1 <= 1 for VS ${VS}`,
        `Removing sorry server [10.0.0.103]:tcp:80 from VS ${VS}`,
        `Adding alive servers to the pool for VS ${VS}`,
      ],
      // the server is not added by itself while the sorry server serves: the pool adds it, after
      // the sorry server left (keepalived 2.2.7's update_quorum_state)
      argv: [
        ['-d', '-t', '192.168.1.112:80', '-r', '10.0.0.103:80'],
        ['-a', '-t', '192.168.1.112:80', '-r', '10.0.0.102:80', '-m', '-w', '1'],
      ],
      scripts: ['/bin/up.sh'],
    });
  });

  it('hysteresis: lost below quorum - hysteresis, gained at quorum + hysteresis', () => {
    const vs = pool('quorum 3\n  hysteresis 1\n  sorry_server 10.0.0.103 80', [['10.0.0.101', 2], ['10.0.0.102', 2]]);
    expect(vs.quorumUp).toBe(true);
    expect(vs.checkerChanged(0, false).log).toEqual([`Removing service [10.0.0.101]:tcp:80 from VS ${VS}`]); // 2 >= 3-1
    expect(vs.checkerChanged(1, false).log).toContain(`Lost quorum 3-1=2 > 0 for VS ${VS}`);
    const back = vs.checkerChanged(1, true); // 2 < 3+1: still down, the sorry server serves
    expect(back).toEqual({ log: [`Adding service [10.0.0.102]:tcp:80 to VS ${VS}`], argv: [], scripts: [] });
    expect(vs.checkerChanged(0, true).log).toContain(`Gained quorum 3+1=4 <= 4 for VS ${VS}`);
  });

  it('sorry_server_inhibit: the sorry server is weighted 1 and 0 instead of added and removed', () => {
    const vs = pool('sorry_server 10.0.0.103 80\n  sorry_server_inhibit', [['10.0.0.101', 1]]);
    const lost = vs.checkerChanged(0, false);
    expect(lost.log).toContain(`Enabling sorry server [10.0.0.103]:tcp:80 to VS ${VS}`);
    expect(lost.argv.at(-1)).toEqual(['-e', '-t', '192.168.1.112:80', '-r', '10.0.0.103:80', '-m', '-w', '1']);
    const gained = vs.checkerChanged(0, true);
    expect(gained.log).toContain(`Disabling sorry server [10.0.0.103]:tcp:80 from VS ${VS}`);
    expect(gained.argv).toEqual([
      ['-e', '-t', '192.168.1.112:80', '-r', '10.0.0.103:80', '-m', '-w', '0'],
      ['-a', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80', '-m', '-w', '1'],
    ]);
  });

  it('without a sorry server, losing quorum changes nothing but the log and the script', () => {
    const vs = pool('quorum_down /bin/down.sh', [['10.0.0.101', 1]]);
    expect(vs.checkerChanged(0, false)).toEqual({
      log: [`Removing service [10.0.0.101]:tcp:80 from VS ${VS}`, `Lost quorum 1-0=1 > 0 for VS ${VS}`],
      argv: [['-d', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80']],
      scripts: ['/bin/down.sh'],
    });
  });

  it('alpha with a sorry server starts with quorum down and the sorry server serving', () => {
    const vs = pool('alpha\n  sorry_server 10.0.0.103 80', [['10.0.0.101', 1]]);
    expect([vs.quorumUp, vs.sorryAlive, vs.rs[0]!.alive]).toEqual([false, true, false]);
    expect(vs.checkerChanged(0, true).argv).toEqual([
      ['-d', '-t', '192.168.1.112:80', '-r', '10.0.0.103:80'],
      ['-a', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80', '-m', '-w', '1'],
    ]);
  });

  it('starting with quorum down (the alive weight below quorum + hysteresis): the sorry server serves, the real servers wait in the pool', () => {
    // keepalived lowers quorum 5 to the total weight 4; 4 < 4 + 1 at start
    const vs = pool('quorum 5\n  hysteresis 1\n  sorry_server 10.0.0.103 80', [['10.0.0.101', 2], ['10.0.0.102', 2]]);
    expect([vs.quorumUp, vs.sorryAlive, vs.rs.map((r) => r.alive)]).toEqual([false, true, [true, true]]);
    // a server going and coming back changes the pool only: nothing of it is in the table
    expect(vs.checkerChanged(0, false).argv).toEqual([]);
    expect(vs.checkerChanged(0, true).argv).toEqual([]);
  });

  it('notify_up / notify_down run on the server changes; omega runs the down notifiers at shutdown', () => {
    const vs = pool('omega\n  quorum_down /bin/qdown.sh', [['10.0.0.101', 1]], 'notify_up /bin/rs-up.sh\n    notify_down "/bin/rs-down.sh x"');
    expect(vs.checkerChanged(0, false).scripts).toEqual(['/bin/rs-down.sh x', '/bin/qdown.sh']);
    expect(vs.checkerChanged(0, true).scripts).toEqual(['/bin/rs-up.sh']);
    expect(vs.shutdown().scripts).toEqual(['/bin/rs-down.sh x', '/bin/qdown.sh']);
  });

  it('misc_dynamic weights: the table follows and the log says it, quorum counts the new weight', () => {
    const vs = pool('sorry_server 10.0.0.103 80', [['10.0.0.101', 1]]);
    expect(vs.setWeight(0, 5)).toEqual({
      log: [`Changing weight from 1 to 5 for active service [10.0.0.101]:tcp:80 of VS ${VS}`],
      argv: [['-e', '-t', '192.168.1.112:80', '-r', '10.0.0.101:80', '-m', '-w', '5']],
      scripts: [],
    });
    expect(vs.setWeight(0, 0).log).toContain(`Lost quorum 1-0=1 > 0 for VS ${VS}`);
  });

  it('several checkers: the server leaves at the first failing one and returns when all pass', () => {
    const vs = pool('', [['10.0.0.101', 1]]);
    vs.rs[0]!.plan.checkers.push(vs.rs[0]!.plan.checkers[0]!); // a second checker
    expect(vs.checkerChanged(0, false).argv).toHaveLength(1);
    expect(vs.checkerChanged(0, false).argv).toHaveLength(0);
    expect(vs.checkerChanged(0, true).argv).toHaveLength(0);
    expect(vs.checkerChanged(0, true).argv[0]![0]).toBe('-a');
  });
});

describe('CheckerState log lines per checker type', () => {
  const plan = (check: string) => plansFor(parseKeepalivedConf(`virtual_server 192.168.1.112 80 {
  delay_loop 1
  protocol TCP
  real_server 10.0.0.102 80 {
    ${check}
  }
}
`).config.virtualServers[0]!).realServers[0]!.checkers[0]!;
  const failOnce = (check: string, r: ProbeResult) => {
    const s = new CheckerState(plan(check), true);
    let step = s.onResult(r);
    while (!step.transition) step = s.onResult(r);
    return step.log;
  };
  it('HTTP_GET status, digest, connect', () => {
    const http = 'HTTP_GET {\n url {\n path /\n }\n retry 1\n }';
    expect(failOnce(http, { ok: false, reason: 'status', error: '' })).toEqual(['HTTP status code error to server [10.0.0.102]:tcp:80.', 'HTTP_CHECK on service [10.0.0.102]:tcp:80 failed after 1 retries.']);
    expect(failOnce(http, { ok: false, reason: 'digest', error: '' })[0]).toBe('MD5 digest error to server [10.0.0.102]:tcp:80.');
    expect(failOnce(http, { ok: false, reason: 'refused', error: '' })[0]).toBe('Error connecting server [10.0.0.102]:tcp:80.');
  });
  it('SSL_GET handshake', () => {
    expect(failOnce('SSL_GET {\n url {\n path /\n }\n retry 0\n }', { ok: false, reason: 'tls', error: '' })).toEqual([
      'SSL handshake/communication error connecting to server [10.0.0.102]:tcp:80.',
      'HTTP_CHECK on service [10.0.0.102]:tcp:80 failed.',
    ]);
  });
  it('MISC_CHECK exit and success', () => {
    const misc = 'MISC_CHECK {\n misc_path "/bin/check 10.0.0.102"\n }';
    expect(failOnce(misc, { ok: false, reason: 'exit', error: '', code: 1 })).toEqual([`Misc check for [[10.0.0.102]:tcp:80 VS ${VS}] by [/bin/check 10.0.0.102] failed (exited with status 1).`]);
    const s = new CheckerState(plan(misc), false);
    expect(s.onResult({ ok: true, weight: 3 })).toMatchObject({ transition: 'up', weight: 3, log: [`Misc check for [[10.0.0.102]:tcp:80 VS ${VS}] by [/bin/check 10.0.0.102] succeeded.`] });
  });
});
