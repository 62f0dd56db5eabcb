import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  KeepalivedConfError,
  MAX_AUTO_PRIORITY_NOTICE,
  startupLog,
  effectiveInstance,
  effectiveSyncDaemon,
  mapInterfaces,
  parseKeepalivedConf,
  renderKeepalivedConf,
} from './index.js';

import { CORRECTED_CONF } from '../../../test/vrrp/harness/confs.js';

const articlePath = fileURLToPath(new URL('../../../scenarios/article/keepalived.conf', import.meta.url));
const article = readFileSync(articlePath, 'utf8');

function errorsOf(text: string): string[] {
  try {
    parseKeepalivedConf(text, { file: 't.conf' });
  } catch (e) {
    if (e instanceof KeepalivedConfError) return e.message.split('\n');
    throw e;
  }
  throw new Error('expected a KeepalivedConfError');
}

describe('the article keepalived.conf', () => {
  const { config, diagnostics } = parseKeepalivedConf(article, { file: 'keepalived.conf' });

  it('parses to the two-director description', () => {
    expect(config.globalDefs.routerId).toBe('LVS_DS1');
    expect(config.vrrpSyncGroups).toEqual([{ name: 'VG1', group: ['VI_1', 'VI_GATEWAY'], smtpAlert: false, passthrough: [] }]);
    expect(config.vrrpInstances.map((i) => [i.name, i.state, i.interface, i.virtualRouterId, i.priority, i.advertInt])).toEqual([
      ['VI_1', 'MASTER', 'eth0', 51, 150, 1],
      ['VI_GATEWAY', 'MASTER', 'eth1', 52, 150, 1],
    ]);
    expect(config.vrrpInstances[0].authentication).toEqual({ authType: 'PASS', authPass: 'example' });
    expect(config.vrrpInstances[0].virtualIpaddress).toEqual([{ address: '192.168.1.112', prefixLength: 24, dev: 'eth0' }]);
    expect(config.vrrpInstances[1].virtualIpaddress).toEqual([{ address: '10.0.0.105', prefixLength: 24, dev: 'eth1' }]);
    // the misspelled keyword is ignored, so nothing starts a sync daemon
    expect(config.vrrpInstances.every((i) => i.lvsSyncDaemonInterface === undefined)).toBe(true);
    expect(effectiveSyncDaemon(config)).toBeUndefined();
    const [http, udp] = config.virtualServers;
    expect(http.target).toEqual({ kind: 'ip', ip: '192.168.1.112', port: 80 });
    expect([http.lvsSched, http.lvsMethod, http.protocol, http.delayLoop]).toEqual(['rr', 'NAT', 'TCP', 6]);
    expect(http.realServers.map((r) => [r.ip, r.port, r.weight])).toEqual([
      ['10.0.0.101', 80, 1],
      ['10.0.0.102', 80, 1],
    ]);
    expect(http.realServers[0].checks).toEqual([{ type: 'TCP_CHECK', connectTimeout: 3, connectPort: 80 }]);
    expect(udp.protocol).toBe('UDP');
    expect(udp.realServers[1].checks).toEqual([]);
  });

  it("warns exactly as keepalived 2.2.7 does, then adds lvslab's note on the cost", () => {
    const warnings = diagnostics.filter((d) => d.level === 'warning').map((d) => d.text);
    // `keepalived -t -f keepalived.conf` (2.2.7, Debian), eth0 and eth1 present: the parent reads
    // global_defs and names no file; the checker, then the VRRP child, read the parent's copy
    expect(warnings).toEqual([
      "(Line 7) Unknown keyword 'lvs_id'",
      "(keepalived.conf: Line 53) Unknown keyword 'nat_mask'",
      "(keepalived.conf: Line 76) Unknown keyword 'nat_mask'",
      "(keepalived.conf: Line 20) Unknown keyword 'lvs_sync_daemon_inteface'",
      "(keepalived.conf: Line 36) Unknown keyword 'lvs_sync_daemon_inteface'",
    ]);
    const notes = diagnostics.filter((d) => d.level === 'note');
    expect(notes).toHaveLength(1);
    expect(notes[0].line).toBe(20);
    expect(notes[0].message).toMatch(/misspelling.*established connections will be reset on failover/);
  });

  it('renders back to text that parses to the same description', () => {
    const text = renderKeepalivedConf(config);
    const again = parseKeepalivedConf(text);
    expect(again.config).toEqual(config);
    // the unknown keywords are gone, so keepalived would print nothing for the rendered file
    expect(again.diagnostics.filter((d) => d.level === 'warning')).toEqual([]);
    expect(text).toContain('vrrp_instance VI_GATEWAY {');
    expect(text).toContain('192.168.1.112/24 dev eth0');
  });

  it('fills keepalived defaults into the effective instance', () => {
    const e = effectiveInstance(config, config.vrrpInstances[0]);
    expect(e).toMatchObject({ initialState: 'MASTER', vrid: 51, priority: 150, advertInt: 1, version: 2, preempt: true, authPass: 'example' });
    expect([e.downTimerAdverts, e.garpMasterDelay, e.garpMasterRepeat]).toEqual([3, 5, 5]);
  });

  it("maps the article's interface names to a lab's", () => {
    const mapped = mapInterfaces(config, { eth0: 'ext0', eth1: 'int0' });
    expect(mapped.vrrpInstances.map((i) => i.interface)).toEqual(['ext0', 'int0']);
    expect(mapped.vrrpInstances[1].virtualIpaddress[0].dev).toBe('int0');
    expect(config.vrrpInstances[0].interface).toBe('eth0');
  });
});

describe('sync daemon settings', () => {
  const base = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n 1.2.3.4\n }\n}\n';

  it('reads global lvs_sync_daemon with its options; the sync id defaults to the VRID', () => {
    const { config } = parseKeepalivedConf(`global_defs {\n lvs_sync_daemon eth0 VI_1 maxlen 1400\n}\n${base}`);
    expect(config.globalDefs.lvsSyncDaemon).toEqual({ interface: 'eth0', instance: 'VI_1', maxlen: 1400 });
    expect(effectiveSyncDaemon(config)).toEqual({ interface: 'eth0', instance: 'VI_1', syncId: 51, maxlen: 1400, port: 8848, group: '224.0.0.81' });
    const again = parseKeepalivedConf(renderKeepalivedConf(config)).config;
    expect(again).toEqual(config);
  });

  it('accepts the deprecated per-instance keyword with keepalived\'s warning', () => {
    const text = base.replace('interface eth0', 'interface eth0\n lvs_sync_daemon_interface eth0');
    const { config, diagnostics } = parseKeepalivedConf(text, { file: 'k.conf' });
    expect(diagnostics.map((d) => d.text)).toEqual([
      '(k.conf: Line 3) (VI_1) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.',
      // keepalived indents by strlen(name) + 4 ("      %*s" with width strlen(name) - 2)
      '(k.conf: Line 3)         Please use global lvs_sync_daemon',
    ]);
    expect(effectiveSyncDaemon(config)).toMatchObject({ interface: 'eth0', instance: 'VI_1', syncId: 51 });
  });
});

describe('the rest of the grammar', () => {
  const full = `
# hash comments too
global_defs {
   router_id R1   ! trailing comment
   vrrp_version 3
   lvs_timeouts tcp 900 tcpfin 120 udp 300
   vrrp_garp_master_delay 2
}
vrrp_instance VI_3 {
   state BACKUP
   interface eth0
   virtual_router_id 7
   priority 200
   advert_int 0.1
   nopreempt
   preempt_delay 30
   unicast_src_ip 10.0.0.1
   unicast_peer {
      10.0.0.2
   }
   garp_master_repeat 3
   down_timer_adverts 4
   virtual_ipaddress {
      192.168.1.200/24 dev eth0 label eth0:vip
      192.168.1.201
   }
   track_interface {
      eth1
      eth2 weight -20
   }
   notify_master "/usr/local/bin/notify master"
   notify /usr/local/bin/notify-all
   track_script {
      chk_http
   }
}
virtual_server fwmark 5 {
   lb_algo sh
   sh-port
   lb_kind DR
   persistence_timeout
   persistence_granularity 255.255.255.0
   quorum 2
   sorry_server 10.0.0.9 80
   real_server 10.0.0.11 80 {
      weight 3
      inhibit_on_failure
      uthreshold 100
      lthreshold 10
      HTTP_GET {
         url {
            path /health
            status_code 200
         }
         connect_timeout 2
         nb_get_retry 2
         delay_before_retry 1
      }
   }
}
`;

  it('parses and round-trips every supported keyword', () => {
    const { config, diagnostics } = parseKeepalivedConf(full);
    const i = config.vrrpInstances[0];
    expect(i).toMatchObject({ advertInt: 0.1, nopreempt: true, preemptDelay: 30, unicastSrcIp: '10.0.0.1', unicastPeer: ['10.0.0.2'], garpMasterRepeat: 3, downTimerAdverts: 4 });
    expect(i.virtualIpaddress[0]).toEqual({ address: '192.168.1.200', prefixLength: 24, dev: 'eth0', label: 'eth0:vip' });
    expect(i.virtualIpaddress[1]).toEqual({ address: '192.168.1.201' });
    expect(i.trackInterface).toEqual([{ interface: 'eth1' }, { interface: 'eth2', weight: -20 }]);
    expect(i.notifyMaster).toBe('/usr/local/bin/notify master');
    expect(i.passthrough).toEqual([{ keyword: 'track_script', args: [], block: [{ keyword: 'chk_http', args: [] }] }]);
    expect(diagnostics.some((d) => d.level === 'note' && d.message.includes('track_script'))).toBe(true);
    expect(effectiveInstance(config, i)).toMatchObject({ version: 3, preempt: false, garpMasterDelay: 2, garpMasterRepeat: 3 });
    const vs = config.virtualServers[0];
    expect(vs).toMatchObject({ target: { kind: 'fwmark', fwmark: 5 }, lvsSched: 'sh', schedFlags: ['flag-2'], lvsMethod: 'DR', persistenceTimeout: 360, quorum: 2 });
    expect(vs.realServers[0].checks[0]).toEqual({ type: 'HTTP_GET', urls: [{ path: '/health', statusCode: '200' }], connectTimeout: 2, retry: 2, delayBeforeRetry: 1 });
    expect(parseKeepalivedConf(renderKeepalivedConf(config)).config).toEqual(config);
  });

  it('accepts a one-line block opener followed by statements', () => {
    const { config } = parseKeepalivedConf('virtual_server 1.1.1.1 80 {\n real_server 2.2.2.2 80 { weight 2\n }\n}\n');
    expect(config.virtualServers[0].realServers[0].weight).toBe(2);
  });
});

describe('errors name the line and the problem', () => {
  it('rejects out-of-range values keepalived would silently replace', () => {
    const errs = errorsOf('vrrp_instance X {\n interface eth0\n virtual_router_id 300\n priority 0\n virtual_ipaddress {\n 1.2.3\n }\n}\n');
    expect(errs).toEqual([
      't.conf line 3: virtual_router_id: 300 is outside 1..255',
      't.conf line 4: priority: 0 is outside 1..255',
      "t.conf line 6: 1.2.3: '1.2.3' is not an IPv4 virtual address",
    ]);
  });

  it('rejects unbalanced braces and missing required keywords', () => {
    expect(errorsOf('vrrp_instance X {\n interface eth0\n')).toEqual([
      "t.conf line 1: block 'vrrp_instance X' is not closed (missing '}')",
      't.conf line 1: vrrp_instance X: needs \'virtual_router_id\' (1..255)',
    ]);
    expect(errorsOf('}\n')).toEqual(["t.conf line 1: unexpected '}' with no open block"]);
  });

  it('rejects fractional v2 adverts, unknown schedulers and unknown sync-group members', () => {
    const errs = errorsOf(
      'vrrp_sync_group G {\n group {\n VI_1\n VI_2\n }\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n advert_int 0.5\n virtual_ipaddress {\n 1.2.3.4\n }\n}\nvirtual_server 1.2.3.4 80 {\n lb_algo foo\n}\n',
    );
    expect(errs).toContain("t.conf line 1: vrrp_sync_group G: unknown vrrp_instance 'VI_2'");
    expect(errs).toContain('t.conf line 7: vrrp_instance VI_1: advert_int 0.5 needs version 3 (VRRPv2 advertises whole seconds)');
    expect(errs.some((e) => e.startsWith("t.conf line 16: lb_algo: unknown scheduler 'foo'"))).toBe(true);
  });
});

describe('quorum and hysteresis, as keepalived checks them', () => {
  // the lines `keepalived -t -f q.conf` printed (keepalived 2.2.7, Debian, in the kernel VM, 2026-12-06):
  // a quorum above the real servers' total weight is lowered to it, then hysteresis >= quorum to
  // quorum - 1 (unsigned: 0 - 1 wraps)
  const conf = [
    'virtual_server 192.168.1.116 80 {\n  protocol TCP\n  quorum 5\n  hysteresis 1\n  real_server 10.0.0.1 80 {\n    weight 2\n  }\n}',
    'virtual_server 192.168.1.117 80 {\n  protocol TCP\n  quorum 2\n  hysteresis 4\n  real_server 10.0.0.1 80 {\n    weight 3\n  }\n}',
    'virtual_server 192.168.1.118 80 {\n  protocol TCP\n  hysteresis 2\n  real_server 10.0.0.1 80 {\n    weight 0\n  }\n}',
  ].join('\n') + '\n';

  it('prints what keepalived -t printed, and keeps the lowered values', () => {
    const { config, diagnostics } = parseKeepalivedConf(conf);
    expect(diagnostics.map((d) => d.text)).toEqual([
      "Virtual server [192.168.1.116]:tcp:80: no scheduler set, setting default 'wlc'",
      'Virtual server [192.168.1.116]:tcp:80: no forwarding method set, setting default NAT',
      'Warning - quorum 5 for [192.168.1.116]:tcp:80 exceeds total weight of real servers 2, reducing quorum to 2',
      "Virtual server [192.168.1.117]:tcp:80: no scheduler set, setting default 'wlc'",
      'Virtual server [192.168.1.117]:tcp:80: no forwarding method set, setting default NAT',
      'Virtual server [192.168.1.117]:tcp:80: hysteresis 4 >= quorum 2; setting hysteresis to 1',
      "Virtual server [192.168.1.118]:tcp:80: no scheduler set, setting default 'wlc'",
      'Virtual server [192.168.1.118]:tcp:80: no forwarding method set, setting default NAT',
      'Warning - quorum 1 for [192.168.1.118]:tcp:80 exceeds total weight of real servers 0, reducing quorum to 0',
      'Virtual server [192.168.1.118]:tcp:80: hysteresis 2 >= quorum 0; setting hysteresis to 4294967295',
    ]);
    expect(config.virtualServers.map((v) => [v.quorum, v.hysteresis])).toEqual([[2, 1], [2, 1], [0, 4294967295]]);
  });
});

// CORRECTED_CONF's lines recorded from `keepalived -t -f keepalived.conf` (keepalived 2.2.7, Debian)
// in a network namespace holding eth0 and eth1; suites/failover/keepalived-conf.test.ts replays it live.

describe("keepalived's lines, prefixes and order", () => {
  it('parent, checker, VRRP, BFD: top-level unknowns from each, after-read checks bare', () => {
    const { diagnostics } = parseKeepalivedConf(CORRECTED_CONF);
    expect(diagnostics.filter((d) => d.level === 'warning').map((d) => d.text)).toEqual([
      "(Line 1) Unknown keyword 'foo_top'",
      "(Line 4) number '200' outside range [-1, 99]",
      "(Line 4) max_auto_priority '200' must be in [0, 99] (or -1 to disable) - ignoring",
      "(Line 41) Unknown keyword 'bar_top'",
      "(keepalived.conf: Line 1) Unknown keyword 'foo_top'",
      "(keepalived.conf: Line 41) Unknown keyword 'bar_top'",
      'Virtual server [10.0.0.1]:none:80: no protocol set - defaulting to UDP',
      "Virtual server [10.0.0.1]:udp:80: no scheduler set, setting default 'wlc'",
      'Virtual server [10.0.0.1]:udp:80: no forwarding method set, setting default NAT',
      'VS [10.0.0.1]:udp:80: real server [10.0.0.2]:udp:80 is duplicated - removing second rs',
      'Virtual server [10.0.0.1]:tcp:81 has no real servers - ignoring',
      "(keepalived.conf: Line 1) Unknown keyword 'foo_top'",
      '(keepalived.conf: Line 11) (VI_1) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.',
      '(keepalived.conf: Line 11)         Please use global lvs_sync_daemon',
      '(keepalived.conf: Line 37) (VI_3) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.',
      '(keepalived.conf: Line 37)         Please use global lvs_sync_daemon',
      '(keepalived.conf: Line 37) (VI_3) lvs_sync_daemon_interface has already been specified as eth0 - ignoring',
      "(keepalived.conf: Line 41) Unknown keyword 'bar_top'",
      '(VI_1) nopreempt is incompatible with priority 255. resetting nopreempt',
      '(VI_2) VRRP version 3 does not support authentication. Ignoring.',
      '(VI_2) Warning - nopreempt will not work with initial state MASTER - clearing',
      '(VI_2) Warning - preempt delay will not work with initial state MASTER - clearing',
      '(VI_3) No VIP specified; at least one is sensible',
      '(VI_3) preempt_delay is incompatible with nopreempt mode - resetting',
      '(VI_3) No VIP specified; at least one is sensible',
      "(keepalived.conf: Line 1) Unknown keyword 'foo_top'",
      "(keepalived.conf: Line 41) Unknown keyword 'bar_top'",
    ]);
    // what keepalived does about them is done too: the service without a protocol is UDP, the one
    // without real servers is gone, and nothing differs for lvslab to note
    expect(diagnostics.filter((d) => d.level === 'note')).toEqual([]);
    const { config } = parseKeepalivedConf(CORRECTED_CONF);
    expect(config.virtualServers.map((v) => [v.target.kind === 'ip' ? `${v.target.ip}:${v.target.port}` : 'fwmark', v.protocol])).toEqual([['10.0.0.1:80', 'UDP']]);
  });

  it('names the file given (the children do; the parent never)', () => {
    const { diagnostics } = parseKeepalivedConf(CORRECTED_CONF, { file: '/etc/keepalived/lab.conf' });
    expect(diagnostics[0].text).toBe("(Line 1) Unknown keyword 'foo_top'");
    expect(diagnostics[4].text).toBe("(/etc/keepalived/lab.conf: Line 1) Unknown keyword 'foo_top'");
  });

  it('state MASTER without a priority makes the address owner (255), which starts as master', () => {
    const { config } = parseKeepalivedConf(CORRECTED_CONF);
    expect(effectiveInstance(config, config.vrrpInstances[0])).toMatchObject({ priority: 255, initialState: 'MASTER', preempt: true });
    // VI_2: MASTER at 150 loses nopreempt and preempt_delay; VI_3 keeps both (nothing to delay)
    expect(effectiveInstance(config, config.vrrpInstances[1])).toMatchObject({ priority: 150, initialState: 'MASTER', preempt: true, preemptDelay: 0 });
    expect(effectiveInstance(config, config.vrrpInstances[2])).toMatchObject({ priority: 100, initialState: 'BACKUP', preempt: false });
    expect(config.vrrpInstances[2].preemptDelay).toBe(5);
  });

  it('VRRPv3 without a VIP is refused, as keepalived refuses the instance', () => {
    expect(errorsOf('vrrp_instance X {\n interface eth0\n virtual_router_id 1\n version 3\n virtual_ipaddress {\n }\n}\n')).toEqual([
      't.conf line 1: vrrp_instance X: No VIP specified; at least one is required (VRRPv3; keepalived refuses the instance)',
    ]);
  });

  it("a running keepalived's order: the parent's lines, the max_auto_priority NOTICE, the VRRP child's", () => {
    const parsed = parseKeepalivedConf(article);
    expect(startupLog(parsed, ['vrrp']).slice(0, 4)).toEqual([
      "(Line 7) Unknown keyword 'lvs_id'",
      MAX_AUTO_PRIORITY_NOTICE,
      "(keepalived.conf: Line 20) Unknown keyword 'lvs_sync_daemon_inteface'",
      "(keepalived.conf: Line 36) Unknown keyword 'lvs_sync_daemon_inteface'",
    ]);
    const withChecker = startupLog(parsed, ['vrrp', 'checker']);
    expect(withChecker).toContain("(keepalived.conf: Line 53) Unknown keyword 'nat_mask'");
    // max_auto_priority set (bare: 99; or a value in -1..99 other than 0) silences the NOTICE
    for (const [setting, notice] of [['max_auto_priority', false], ['max_auto_priority 10', false], ['max_auto_priority -1', false], ['max_auto_priority 0', true], ['max_auto_priority 200', true]] as const) {
      const p = parseKeepalivedConf(article.replace('router_id LVS_DS1', `router_id LVS_DS1\n   ${setting}`));
      expect(startupLog(p, ['vrrp']).includes(MAX_AUTO_PRIORITY_NOTICE), setting).toBe(notice);
    }
  });
});

describe('global keywords the embedded VRRP reads from the kept statements', () => {
  it('log_unknown_vrids is known (no warning) and kept for the speaker', () => {
    const { config, diagnostics } = parseKeepalivedConf('global_defs {\n log_unknown_vrids\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n');
    expect(diagnostics).toEqual([]);
    expect(config.globalDefs.passthrough).toEqual([{ keyword: 'log_unknown_vrids', args: [] }]);
  });
});

describe('IPv6 vrrp_instances (VRRPv3 over IPv6)', () => {
  const inst = (body: string, head = '') => `${head}vrrp_instance VI_6 {\n interface eth0\n virtual_router_id 61\n${body}}\n`;

  it('IPv6 VIPs make an IPv6 instance, version 3 by default whatever vrrp_version says', () => {
    const { config, diagnostics } = parseKeepalivedConf(inst(' virtual_ipaddress {\n fe80::61/64\n 2001:db8:1::112/64 dev eth0\n 2001:db8:1::113\n }\n', 'global_defs {\n vrrp_version 2\n}\n'));
    expect(diagnostics.filter((d) => d.level === 'warning')).toEqual([]);
    const i = config.vrrpInstances[0];
    expect(i.virtualIpaddress).toEqual([{ address: 'fe80::61', prefixLength: 64 }, { address: '2001:db8:1::112', prefixLength: 64, dev: 'eth0' }, { address: '2001:db8:1::113' }]);
    const e = effectiveInstance(config, i);
    expect(e.family).toBe(6);
    expect(e.version).toBe(3);
    expect(effectiveInstance(parseKeepalivedConf(inst(' virtual_ipaddress {\n 10.0.0.1\n }\n')).config, parseKeepalivedConf(inst(' virtual_ipaddress {\n 10.0.0.1\n }\n')).config.vrrpInstances[0]).family).toBe(4);
  });

  it('native_ipv6 is acted on (no note), kept through render, and refused after IPv4 addresses as keepalived does', () => {
    const { config, diagnostics } = parseKeepalivedConf(inst(' native_ipv6\n virtual_ipaddress {\n fe80::1\n 2001:db8::1\n }\n'));
    expect(diagnostics).toEqual([]);
    expect(config.vrrpInstances[0].nativeIpv6).toBe(true);
    expect(renderKeepalivedConf(config)).toMatch(/^\s+native_ipv6$/m);
    const late = parseKeepalivedConf(inst(' virtual_ipaddress {\n 10.0.0.1\n }\n native_ipv6\n'));
    expect(late.diagnostics.map((d) => d.message)).toContain('(VI_6) Cannot specify native_ipv6 with IPv4 addresses');
    expect(late.config.vrrpInstances[0].nativeIpv6).toBeUndefined();
  });

  it('an address of the other family is ignored with keepalived\'s words', () => {
    const { config, diagnostics } = parseKeepalivedConf(inst(' virtual_ipaddress {\n 2001:db8::1\n 10.0.0.1\n }\n'));
    expect(config.vrrpInstances[0].virtualIpaddress.map((v) => v.address)).toEqual(['2001:db8::1']);
    expect(diagnostics.map((d) => d.message)).toContain('(VI_6): address family must match VRRP instance [10.0.0.1] - ignoring');
  });

  it('a fractional advert_int needs no version line on IPv6 (version 3 is implied)', () => {
    const { config } = parseKeepalivedConf(inst(' advert_int 0.1\n virtual_ipaddress {\n fe80::1\n }\n'), { file: 't.conf' });
    expect(effectiveInstance(config, config.vrrpInstances[0])).toMatchObject({ version: 3, advertInt: 0.1, family: 6 });
  });

  it('IPv6 unicast peers and source; bad input names the problem', () => {
    const { config } = parseKeepalivedConf(inst(' unicast_src_ip fe80::1\n unicast_peer {\n fe80::2\n }\n virtual_ipaddress {\n 2001:db8::1\n }\n'));
    expect(effectiveInstance(config, config.vrrpInstances[0]).unicastPeers).toEqual(['fe80::2']);
    expect(errorsOf(inst(' version 2\n virtual_ipaddress {\n 2001:db8::1\n }\n'))).toEqual([
      't.conf line 1: vrrp_instance VI_6: version 2 over IPv6 is not VRRP (RFC 5798 defines IPv6 for version 3 only); use version 3',
    ]);
    expect(errorsOf(inst(' virtual_ipaddress {\n 2001:db8::1/129\n }\n'))[0]).toMatch(/129 is outside 0\.\.128/);
    expect(errorsOf(inst(' virtual_ipaddress {\n 2001:zz8::1\n }\n'))[0]).toMatch(/'2001:zz8::1' is not an IPv6 virtual address/);
    expect(errorsOf(inst(' unicast_peer {\n 10.0.0.2\n }\n virtual_ipaddress {\n 2001:db8::1\n }\n'))[0]).toMatch(/unicast_peer 10\.0\.0\.2 is IPv4 but the instance is IPv6/);
  });
});
