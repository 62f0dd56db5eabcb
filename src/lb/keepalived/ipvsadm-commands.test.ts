import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configToIpvsadmCommands, parseKeepalivedConf, toIpvsadmCommands } from './index.js';

const article = readFileSync(fileURLToPath(new URL('../../../scenarios/article/keepalived.conf', import.meta.url)), 'utf8');

/** a virtual_server with this body; TCP unless the body names a protocol (keepalived's default is UDP) */
const vsOf = (body: string) => parseKeepalivedConf(`virtual_server 10.1.1.1 80 {\n${/\bprotocol\b/.test(body) ? '' : 'protocol TCP\n'}${body}\n}\n`).config.virtualServers[0];

describe('toIpvsadmCommands', () => {
  it("gives the article's two NAT services with rr and weight 1", () => {
    const { config } = parseKeepalivedConf(article);
    expect(configToIpvsadmCommands(config)).toEqual([
      '-A -t 192.168.1.112:80 -s rr',
      '-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m -w 1',
      '-a -t 192.168.1.112:80 -r 10.0.0.102:80 -m -w 1',
      '-A -u 192.168.1.112:9999 -s rr',
      '-a -u 192.168.1.112:9999 -r 10.0.0.101:9999 -m -w 1',
      '-a -u 192.168.1.112:9999 -r 10.0.0.102:9999 -m -w 1',
    ]);
  });

  it("applies keepalived's defaults: UDP (with its line), wlc, NAT, weight 1, bare persistence 360", () => {
    const noProtocol = parseKeepalivedConf('virtual_server 10.1.1.1 80 {\n real_server 10.0.0.1 80 {\n }\n}\n');
    expect(toIpvsadmCommands(noProtocol.config.virtualServers[0])).toEqual(['-A -u 10.1.1.1:80 -s wlc', '-a -u 10.1.1.1:80 -r 10.0.0.1:80 -m -w 1']);
    expect(noProtocol.diagnostics.map((d) => d.text)).toContain('Virtual server [10.1.1.1]:none:80: no protocol set - defaulting to UDP');
    expect(toIpvsadmCommands(vsOf('persistence_timeout\n real_server 10.0.0.1 80 {\n }'))).toEqual([
      '-A -t 10.1.1.1:80 -s wlc -p 360',
      '-a -t 10.1.1.1:80 -r 10.0.0.1:80 -m -w 1',
    ]);
  });

  it('writes scheduler flags, granularity, ops, DR/TUN and thresholds', () => {
    const vs = vsOf('protocol UDP\n lvs_sched sh\n sh-port\n sh-fallback\n ops\n lvs_method DR\n persistence_timeout 60\n persistence_granularity 255.255.255.0\n real_server 10.0.0.1 80 {\n weight 3\n uthreshold 10\n lthreshold 2\n }');
    expect(toIpvsadmCommands(vs)).toEqual([
      // sh-port and sh-fallback are read into their bits (flag-2, flag-1), as keepalived does
      '-A -u 10.1.1.1:80 -s sh -b flag-1,flag-2 -p 60 -M 255.255.255.0 -o',
      '-a -u 10.1.1.1:80 -r 10.0.0.1:80 -g -w 3 -x 10 -y 2',
    ]);
    expect(toIpvsadmCommands(vsOf('lvs_method TUN\n real_server 10.0.0.1 80 {\n }'))[1]).toBe('-a -t 10.1.1.1:80 -r 10.0.0.1:80 -i -w 1');
  });

  it("persistence_granularity as keepalived's pgr_handler: a netmask (IPv4) or a prefix length (IPv6), persistent at 360 s unless a timeout came first", () => {
    expect(toIpvsadmCommands(vsOf('persistence_granularity 255.255.255.0\n real_server 10.0.0.1 80 {\n }'))[0]).toBe('-A -t 10.1.1.1:80 -s wlc -p 360 -M 255.255.255.0');
    const rs = '\n real_server 10.0.0.1 80 {\n }';
    expect(toIpvsadmCommands(vsOf(`persistence_timeout 50\n persistence_granularity 255.255.0.0${rs}`))[0]).toBe('-A -t 10.1.1.1:80 -s wlc -p 50 -M 255.255.0.0');
    // a later timeout still wins
    expect(toIpvsadmCommands(vsOf(`persistence_granularity 255.255.0.0\n persistence_timeout 50${rs}`))[0]).toBe('-A -t 10.1.1.1:80 -s wlc -p 50 -M 255.255.0.0');
    const v6 = parseKeepalivedConf('virtual_server 2001:db8::112 80 {\n protocol TCP\n persistence_granularity 64\n real_server fd00::101 80 {\n }\n}\n');
    expect(toIpvsadmCommands(v6.config.virtualServers[0])[0]).toBe('-A -t [2001:db8::112]:80 -s wlc -p 360 -M 64');
    // keepalived: "Invalid IPv6 persistence_granularity specified" (lvslab stops at it)
    expect(() => parseKeepalivedConf('virtual_server 2001:db8::112 80 {\n persistence_granularity 255.255.255.0\n}\n')).toThrow("keepalived.conf line 2: persistence_granularity: '255.255.255.0' is not a prefix length 1..128 (an IPv6 virtual server's granularity)");
  });

  it('names fwmark services with -f', () => {
    const { config } = parseKeepalivedConf('virtual_server fwmark 7 {\n lvs_sched rr\n real_server 10.0.0.1 0 {\n }\n}\n');
    expect(toIpvsadmCommands(config.virtualServers[0])).toEqual(['-A -f 7 -s rr', '-a -f 7 -r 10.0.0.1:0 -m -w 1']);
  });

  it('with alpha, checked servers start down: left out, inhibited at weight 0, sorry server below quorum', () => {
    const vs = vsOf(
      'alpha\n sorry_server 10.0.0.9 80\n real_server 10.0.0.1 80 {\n TCP_CHECK {\n }\n }\n real_server 10.0.0.2 80 {\n inhibit_on_failure\n TCP_CHECK {\n }\n }',
    );
    expect(toIpvsadmCommands(vs)).toEqual([
      '-A -t 10.1.1.1:80 -s wlc',
      '-a -t 10.1.1.1:80 -r 10.0.0.2:80 -m -w 0',
      '-a -t 10.1.1.1:80 -r 10.0.0.9:80 -m -w 1',
    ]);
  });

  it('puts lvs_timeouts first as --set, 0 for the ones left out', () => {
    const { config } = parseKeepalivedConf('global_defs {\n lvs_timeouts tcp 900 udp 60\n}\n');
    expect(configToIpvsadmCommands(config)).toEqual(['--set 900 0 60']);
  });
});
