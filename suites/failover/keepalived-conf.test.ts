// The parser held against keepalived 2.2.7 itself. `keepalived -t` (config test) runs in a throwaway
// network namespace (`unshare --net`) that has the file's interfaces (eth0, eth1: veth pairs), so
// no line is about a missing interface; every line it prints must be ours, in the same order, with
// the same prefix: the parent's "(Line N)", the children's "(FILE: Line N)", their after-read
// checks bare (errors.ts). A running `keepalived --vrrp` must log what startupLog gives, the
// max_auto_priority NOTICE included. And what we render must draw no line at all.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKeepalivedConf, renderKeepalivedConf, startupLog } from '../../src/lb/keepalived/index.js';
import { ARTICLE_CONF, CORRECTED_CONF } from '../../test/vrrp/harness/confs.js';
import { needs, probe } from '../../test/capabilities.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lvslab-kconf-'));
const FILE = 'keepalived.conf';

// the namespace's interfaces: what the files name, up, with an address for VRRP to advertise from
const NETNS_SETUP = [
  'ip link set lo up',
  'ip link add eth0 type veth peer name p0',
  'ip link add eth1 type veth peer name p1',
  'for i in eth0 eth1 p0 p1; do ip link set $i up; done',
  'ip addr add 192.168.1.110/24 dev eth0',
  'ip addr add 10.0.0.103/24 dev eth1',
].join('; ');

/** run a shell command in a fresh network namespace, in a directory holding `text` as keepalived.conf */
async function inNetns(text: string, command: string): Promise<string> {
  const work = mkdtempSync(path.join(dir, 'k'));
  writeFileSync(path.join(work, FILE), text);
  const r = await execa('unshare', ['--net', 'sh', '-c', `${NETNS_SETUP}; ${command}`], { cwd: work, reject: false, timeout: 30_000, all: true });
  return String(r.all ?? '');
}

/** every line `keepalived -t` prints (to stderr) */
async function configTest(text: string): Promise<string[]> {
  const out = await inNetns(text, `keepalived -t -f ${FILE}`);
  return out.split('\n').filter((l) => l.trim() !== '');
}

/** the lines about the file a running `keepalived --vrrp` logs in its first 3 seconds */
async function daemonLog(text: string): Promise<string[]> {
  const out = await inNetns(text, `timeout -s TERM 3 keepalived -n -l --vrrp -f ${FILE} -p ka.pid -r vrrp.pid -c checkers.pid`);
  return out
    .split('\n')
    .map((l) => l.replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /, ''))
    .filter((l) => /^\((\S+: )?Line \d+\) |^NOTICE: /.test(l));
}

function ours(text: string): string[] {
  return parseKeepalivedConf(text, { file: FILE }).diagnostics.filter((d) => d.level === 'warning').map((d) => d.text);
}

const VARIANT = `global_defs {
   router_id R1
   lvs_id OLD
   frobnicate 1
}
vrrp_instance VI_1 {
   interface eth0
   virtual_router_id 51
   lvs_sync_daemon_inteface eth0
   bogus_key x
   virtual_ipaddress {
      10.0.0.1/24
   }
}
virtual_server 10.0.0.1 80 {
   lb_algo rr
   nat_mask 255.255.255.0
   real_server 10.0.0.2 80 {
      weight 1
      TCP_CHECK {
         connect_timeout 3
         nonsense 1
      }
   }
}
`;

/** IPv6 instances: a VIP of the other family, native_ipv6 after IPv4 addresses, native_ipv6 first */
const IPV6_VARIANT = `vrrp_instance VI_6 {
   interface eth0
   virtual_router_id 61
   priority 100
   advert_int 0.5
   virtual_ipaddress {
      2001:db8:1::112/64
      fe80::61/64
      10.0.0.1/24
   }
}
vrrp_instance VI_4 {
   interface eth1
   virtual_router_id 62
   virtual_ipaddress {
      10.0.0.2/24
   }
   native_ipv6
}
vrrp_instance VI_N {
   interface eth1
   virtual_router_id 63
   native_ipv6
   unicast_peer {
      fe80::2
   }
   virtual_ipaddress {
      fe80::63
   }
}
`;

describe('keepalived.conf messages, held against keepalived 2.2.7', needs(await probe.root(), await probe.keepalived()), () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the article's file: the same lines as keepalived -t, in its order", async () => {
    const text = readFileSync(ARTICLE_CONF, 'utf8');
    const theirs = await configTest(text);
    expect(theirs).toHaveLength(5);
    expect(ours(text)).toEqual(theirs);
  });

  it('a file with unknown keywords in every block', async () => {
    const theirs = await configTest(VARIANT);
    expect(theirs.filter((l) => l.includes('Unknown keyword'))).toHaveLength(6);
    expect(ours(VARIANT)).toEqual(theirs);
  });

  it("a file keepalived corrects: unknowns at the top, its after-read checks, what it clears", async () => {
    const theirs = await configTest(CORRECTED_CONF);
    expect(theirs.length).toBeGreaterThan(15);
    expect(ours(CORRECTED_CONF)).toEqual(theirs);
    const { config } = parseKeepalivedConf(CORRECTED_CONF, { file: FILE });
    expect(config.vrrpInstances.map((i) => [i.name, i.nopreempt, i.preemptDelay])).toEqual([
      ['VI_1', false, undefined],
      ['VI_2', false, undefined],
      ['VI_3', true, 5],
    ]);
  });

  it('IPv6 instances: the same lines as keepalived -t, and the rendered file draws none', async () => {
    const theirs = await configTest(IPV6_VARIANT);
    expect(theirs).toHaveLength(2);
    expect(ours(IPV6_VARIANT)).toEqual(theirs);
    const rendered = renderKeepalivedConf(parseKeepalivedConf(IPV6_VARIANT).config);
    expect(rendered).toContain('native_ipv6');
    expect(await configTest(rendered)).toEqual([]);
  });

  it("a running keepalived --vrrp: the parent's lines, the max_auto_priority NOTICE, the VRRP child's", async () => {
    const text = readFileSync(ARTICLE_CONF, 'utf8');
    const theirs = await daemonLog(text);
    expect(theirs).toContain('NOTICE: setting config option max_auto_priority should result in better keepalived performance');
    const parsed = parseKeepalivedConf(text, { file: FILE });
    const mine = startupLog(parsed, ['vrrp']).filter((l) => !parsed.diagnostics.some((d) => d.level === 'note' && d.text === l));
    expect(mine).toEqual(theirs);
    // a max_auto_priority silences the NOTICE, in both
    const quiet = text.replace('router_id LVS_DS1', 'router_id LVS_DS1\n   max_auto_priority');
    expect((await daemonLog(quiet)).some((l) => l.startsWith('NOTICE'))).toBe(false);
    expect(startupLog(parseKeepalivedConf(quiet), ['vrrp']).some((l) => l.startsWith('NOTICE'))).toBe(false);
  });

  it('the rendered article file draws no line from keepalived', async () => {
    const rendered = renderKeepalivedConf(parseKeepalivedConf(readFileSync(ARTICLE_CONF, 'utf8')).config);
    expect(await configTest(rendered)).toEqual([]);
  });
});
