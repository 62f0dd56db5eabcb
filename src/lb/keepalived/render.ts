// Typed description -> keepalived.conf text that keepalived 2.2.7 reads back to the same meaning.
// Canonical keyword names are written (lvs_sched, lvs_method, retry), 3-space indents as the article.
import type {
  GlobalDefs,
  HealthCheck,
  KeepalivedConfig,
  RawStatement,
  RealServer,
  VirtualServer,
  VrrpInstance,
  VrrpSyncGroup,
} from './types.js';

class Writer {
  readonly lines: string[] = [];
  private depth = 0;
  line(...words: (string | number | undefined)[]): void {
    this.lines.push('   '.repeat(this.depth) + words.filter((w) => w !== undefined).join(' '));
  }
  opt(keyword: string, value: string | number | undefined): void {
    if (value !== undefined) this.line(keyword, value);
  }
  flag(keyword: string, on: boolean): void {
    if (on) this.line(keyword);
  }
  /** scripts keep their arguments: quote so keepalived reads one command line */
  script(keyword: string, value: string | undefined): void {
    if (value !== undefined) this.line(keyword, `"${value}"`);
  }
  block(head: string, body: () => void): void {
    this.line(head, '{');
    this.depth++;
    body();
    this.depth--;
    this.line('}');
  }
  raw(s: RawStatement): void {
    if (s.block) this.block([s.keyword, ...s.args].join(' '), () => s.block!.forEach((c) => this.raw(c)));
    else this.line(s.keyword, ...s.args.map(quoteIfNeeded));
  }
}

function quoteIfNeeded(w: string): string {
  return /[\s{}!#]/.test(w) || w === '' ? `"${w}"` : w;
}

function globalDefs(w: Writer, g: GlobalDefs): void {
  w.block('global_defs', () => {
    if (g.notificationEmail.length) w.block('notification_email', () => g.notificationEmail.forEach((e) => w.line(e)));
    w.opt('notification_email_from', g.notificationEmailFrom);
    w.opt('smtp_server', g.smtpServer);
    w.opt('smtp_connect_timeout', g.smtpConnectTimeout);
    w.opt('router_id', g.routerId);
    w.opt('vrrp_version', g.vrrpVersion);
    w.flag('vrrp_strict', g.vrrpStrict);
    w.opt('vrrp_garp_master_delay', g.vrrpGarpMasterDelay);
    w.opt('vrrp_garp_master_repeat', g.vrrpGarpMasterRepeat);
    w.opt('vrrp_garp_master_refresh', g.vrrpGarpMasterRefresh);
    w.opt('vrrp_garp_lower_prio_delay', g.vrrpGarpLowerPrioDelay);
    w.opt('vrrp_garp_lower_prio_repeat', g.vrrpGarpLowerPrioRepeat);
    const d = g.lvsSyncDaemon;
    if (d) {
      w.line(
        'lvs_sync_daemon',
        d.interface,
        d.instance,
        ...(d.syncId !== undefined ? ['id', d.syncId] : []),
        ...(d.maxlen !== undefined ? ['maxlen', d.maxlen] : []),
        ...(d.port !== undefined ? ['port', d.port] : []),
        ...(d.ttl !== undefined ? ['ttl', d.ttl] : []),
        ...(d.group !== undefined ? ['group', d.group] : []),
      );
    }
    const t = g.lvsTimeouts;
    if (t) {
      const parts = (['tcp', 'tcpfin', 'udp'] as const).flatMap((k) => (t[k] !== undefined ? [k, t[k]] : []));
      w.line('lvs_timeouts', ...parts);
    }
    w.flag('lvs_flush', g.lvsFlush);
    w.flag('enable_script_security', g.enableScriptSecurity);
    w.opt('script_user', g.scriptUser);
    g.passthrough.forEach((s) => w.raw(s));
  });
}

/** How a sync group and an instance both end: notify scripts, smtp_alert, then the kept statements. */
function notifiersAndRest(w: Writer, n: VrrpSyncGroup | VrrpInstance): void {
    w.script('notify_master', n.notifyMaster);
    w.script('notify_backup', n.notifyBackup);
    w.script('notify_fault', n.notifyFault);
    w.script('notify_stop', n.notifyStop);
    w.script('notify', n.notify);
    w.flag('smtp_alert', n.smtpAlert);
    n.passthrough.forEach((s) => w.raw(s));
}

function syncGroup(w: Writer, g: VrrpSyncGroup): void {
  w.block(`vrrp_sync_group ${g.name}`, () => {
    w.block('group', () => g.group.forEach((m) => w.line(m)));
    notifiersAndRest(w, g);
  });
}

function instance(w: Writer, i: VrrpInstance): void {
  w.block(`vrrp_instance ${i.name}`, () => {
    w.opt('state', i.state);
    w.opt('interface', i.interface);
    w.opt('lvs_sync_daemon_interface', i.lvsSyncDaemonInterface);
    w.flag('dont_track_primary', i.dontTrackPrimary);
    w.line('virtual_router_id', i.virtualRouterId);
    w.opt('priority', i.priority);
    w.opt('advert_int', i.advertInt);
    w.opt('version', i.version);
    w.flag('native_ipv6', i.nativeIpv6 ?? false);
    w.flag('nopreempt', i.nopreempt);
    w.opt('preempt_delay', i.preemptDelay);
    w.opt('down_timer_adverts', i.downTimerAdverts);
    w.opt('mcast_src_ip', i.mcastSrcIp);
    w.opt('unicast_src_ip', i.unicastSrcIp);
    if (i.unicastPeer.length) w.block('unicast_peer', () => i.unicastPeer.forEach((p) => w.line(p)));
    w.opt('garp_master_delay', i.garpMasterDelay);
    w.opt('garp_master_repeat', i.garpMasterRepeat);
    w.opt('garp_master_refresh', i.garpMasterRefresh);
    w.opt('garp_master_refresh_repeat', i.garpMasterRefreshRepeat);
    if (i.authentication) {
      const a = i.authentication;
      w.block('authentication', () => {
        w.line('auth_type', a.authType);
        w.line('auth_pass', a.authPass);
      });
    }
    w.block('virtual_ipaddress', () => {
      for (const v of i.virtualIpaddress) {
        w.line(
          v.prefixLength !== undefined ? `${v.address}/${v.prefixLength}` : v.address,
          ...(v.brd ? ['brd', v.brd] : []),
          ...(v.dev ? ['dev', v.dev] : []),
          ...(v.scope ? ['scope', v.scope] : []),
          ...(v.label ? ['label', v.label] : []),
        );
      }
    });
    if (i.trackInterface.length) {
      w.block('track_interface', () => i.trackInterface.forEach((t) => w.line(t.interface, ...(t.weight !== undefined ? ['weight', t.weight] : []))));
    }
    notifiersAndRest(w, i);
  });
}

function check(w: Writer, c: HealthCheck): void {
  w.block(c.type, () => {
    if (c.type === 'MISC_CHECK') {
      w.script('misc_path', c.miscPath);
      w.opt('misc_timeout', c.miscTimeout);
      w.flag('misc_dynamic', c.miscDynamic);
      w.opt('warmup', c.warmup);
      w.opt('retry', c.retry);
      w.opt('delay_before_retry', c.delayBeforeRetry);
      return;
    }
    w.opt('connect_ip', c.connectIp);
    w.opt('connect_port', c.connectPort);
    w.opt('bindto', c.bindto);
    w.opt('connect_timeout', c.connectTimeout);
    w.opt('retry', c.retry);
    w.opt('delay_before_retry', c.delayBeforeRetry);
    w.opt('warmup', c.warmup);
    if (c.type === 'HTTP_GET' || c.type === 'SSL_GET') {
      w.opt('virtualhost', c.virtualhost);
      for (const u of c.urls) {
        w.block('url', () => {
          w.line('path', u.path);
          w.opt('digest', u.digest);
          w.opt('status_code', u.statusCode);
        });
      }
    }
  });
}

/** The checker settings a virtual or real server gives its checkers as defaults. */
function checkerDefaults(w: Writer, x: Pick<RealServer, 'retry' | 'connectTimeout' | 'warmup' | 'delayBeforeRetry'>): void {
  w.opt('retry', x.retry);
  w.opt('connect_timeout', x.connectTimeout);
  w.opt('warmup', x.warmup);
  w.opt('delay_before_retry', x.delayBeforeRetry);
}

function realServer(w: Writer, r: RealServer): void {
  w.block(`real_server ${r.ip} ${r.port}`, () => {
    w.opt('weight', r.weight);
    w.flag('inhibit_on_failure', r.inhibitOnFailure);
    w.opt('uthreshold', r.uthreshold);
    w.opt('lthreshold', r.lthreshold);
    w.opt('lvs_method', r.lvsMethod);
    w.flag('alpha', r.alpha ?? false);
    w.opt('delay_loop', r.delayLoop);
    checkerDefaults(w, r);
    w.script('notify_up', r.notifyUp);
    w.script('notify_down', r.notifyDown);
    r.checks.forEach((c) => check(w, c));
  });
}

function virtualServer(w: Writer, v: VirtualServer): void {
  const head = v.target.kind === 'fwmark' ? `virtual_server fwmark ${v.target.fwmark}` : `virtual_server ${v.target.ip} ${v.target.port}`;
  w.block(head, () => {
    // a fwmark service's family (an address's is its own)
    if (v.target.kind === 'fwmark' && v.af) w.line('ip_family', v.af === 6 ? 'inet6' : 'inet');
    w.opt('delay_loop', v.delayLoop);
    w.opt('lvs_sched', v.lvsSched);
    v.schedFlags.forEach((f) => w.line(f));
    w.opt('lvs_method', v.lvsMethod);
    w.opt('persistence_timeout', v.persistenceTimeout);
    w.opt('persistence_granularity', v.persistenceGranularity);
    w.opt('persistence_engine', v.persistenceEngine);
    w.opt('protocol', v.protocol);
    w.flag('ops', v.ops);
    w.opt('quorum', v.quorum);
    w.opt('hysteresis', v.hysteresis);
    w.flag('alpha', v.alpha);
    w.flag('omega', v.omega);
    w.flag('ha_suspend', v.haSuspend);
    w.opt('virtualhost', v.virtualhost);
    if (v.sorryServer) w.line('sorry_server', v.sorryServer.ip, v.sorryServer.port);
    w.opt('sorry_server_lvs_method', v.sorryServerLvsMethod);
    w.flag('sorry_server_inhibit', v.sorryServerInhibit ?? false);
    w.opt('weight', v.weight);
    w.flag('inhibit_on_failure', v.inhibitOnFailure ?? false);
    checkerDefaults(w, v);
    w.script('quorum_up', v.quorumUp);
    w.script('quorum_down', v.quorumDown);
    v.passthrough.forEach((s) => w.raw(s));
    v.realServers.forEach((r) => realServer(w, r));
  });
}

function hasGlobals(g: GlobalDefs): boolean {
  return Object.entries(g).some(([, v]) => (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== false));
}

/** Render a description as keepalived.conf text. */
export function renderKeepalivedConf(config: KeepalivedConfig, header = '! Configuration File for keepalived (rendered by lvslab)'): string {
  const w = new Writer();
  w.line(header.startsWith('!') || header.startsWith('#') ? header : `! ${header}`);
  const sections: (() => void)[] = [];
  if (hasGlobals(config.globalDefs)) sections.push(() => globalDefs(w, config.globalDefs));
  config.vrrpSyncGroups.forEach((g) => sections.push(() => syncGroup(w, g)));
  config.vrrpInstances.forEach((i) => sections.push(() => instance(w, i)));
  config.virtualServers.forEach((v) => sections.push(() => virtualServer(w, v)));
  for (const s of sections) {
    w.line('');
    s();
  }
  return w.lines.join('\n') + '\n';
}
