// The parser held against keepalived 2.2.7 itself: `keepalived -t` (config test, run in a throwaway
// network namespace via `unshare --net`, so it sees no interface of ours) must print exactly the
// "Unknown keyword" warnings we print, at the same lines; and what we render must draw none.
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKeepalivedConf, renderKeepalivedConf } from '../../src/lb/keepalived/index.js';
import { ARTICLE_CONF } from '../../test/vrrp/harness/confs.js';
import { needs, probe } from '../../test/capabilities.js';

const dir = mkdtempSync(path.join(tmpdir(), 'lvslab-kconf-'));

async function keepalivedWarnings(text: string): Promise<string[]> {
  const file = path.join(dir, `k${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, text);
  const r = await execa('unshare', ['--net', 'keepalived', '-t', '-l', '-f', file], { reject: false, timeout: 20_000 });
  // keepalived omits the file name for some lines ("(Line 7) ..."): compare line and message only
  return [...`${r.stdout}\n${r.stderr}`.matchAll(/Line (\d+)\) (Unknown keyword '[^']+')/g)].map((m) => `${m[1]}: ${m[2]}`).sort();
}

function ourWarnings(text: string): string[] {
  return parseKeepalivedConf(text)
    .diagnostics.filter((d) => d.level === 'warning' && d.message.startsWith('Unknown keyword'))
    .map((d) => `${d.line}: ${d.message}`)
    .sort();
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

describe('keepalived.conf warnings, held against keepalived -t', needs(await probe.root(), await probe.keepalived()), () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the article's file: the same Unknown keyword warnings at the same lines", async () => {
    const text = readFileSync(ARTICLE_CONF, 'utf8');
    const theirs = await keepalivedWarnings(text);
    expect(theirs.length).toBe(5);
    expect(ourWarnings(text)).toEqual(theirs);
  });

  it('a file with unknown keywords in every block', async () => {
    const theirs = await keepalivedWarnings(VARIANT);
    expect(theirs).toHaveLength(6);
    expect(ourWarnings(VARIANT)).toEqual(theirs);
  });

  it('the rendered article file draws no warning from keepalived', async () => {
    const rendered = renderKeepalivedConf(parseKeepalivedConf(readFileSync(ARTICLE_CONF, 'utf8')).config);
    expect(await keepalivedWarnings(rendered)).toEqual([]);
  });
});
