import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDirectorConfig, loadDirectorFiles } from './director-inputs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function write(name: string, text: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-inputs-'));
  dirs.push(d);
  fs.writeFileSync(path.join(d, name), text);
  return path.join(d, name);
}

const VS = 'virtual_server 192.168.1.112 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 10.0.0.101 80 {\n    weight 1\n  }\n}\n';

describe('director inputs, checked before any lab is built', () => {
  it("names the user's keepalived.conf, the line and the problem", async () => {
    const f = write('ds1.conf', `${VS}vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 300\n  priority 100\n}\n`);
    const r = await loadDirectorFiles({ keepalived: f });
    expect(r.problems).toEqual([`${f} line 11: virtual_router_id: 300 is outside 1..255`]);
  });

  it("gives keepalived's warnings in its own words, naming the file", async () => {
    const f = write('ds1.conf', `global_defs {\n  lvs_id LVS_EXAMPLE_01\n}\n${VS}`);
    const r = await loadDirectorFiles({ keepalived: f });
    expect(r.problems).toEqual([]);
    expect(r.diagnostics.map((d) => d.text)).toEqual(["(Line 2) Unknown keyword 'lvs_id'"]);
    expect(r.config).toMatchObject({ keepalivedFile: f });
  });

  it('runs ipvsadm lines after the virtual servers, naming the file line that fails, skipping comments', async () => {
    const f = write('ds1.ipvsadm', '# the article\n-a -t 192.168.1.112:80 -r 10.0.0.102:80 -m\n\nipvsadm -a -t 192.168.1.113:80 -r 10.0.0.102:80 -m\n--start-daemon master --mcast-interface eth1\n');
    const k = write('ds1.conf', VS);
    const r = await loadDirectorFiles({ keepalived: k, ipvsadm: f });
    expect(r.config.ipvsadm).toHaveLength(3);
    expect(r.problems).toEqual([`${f} line 4: 'ipvsadm -a -t 192.168.1.113:80 -r 10.0.0.102:80 -m' fails (status 255): Service not defined`]);
  });

  it('says which file it cannot read', async () => {
    const r = await loadDirectorFiles({ keepalived: '/nonexistent/keepalived.conf' });
    expect(r.problems).toEqual(['/nonexistent/keepalived.conf: cannot read it (ENOENT)']);
  });

  it('checks inline lines with where they came from', () => {
    expect(checkDirectorConfig({ ipvsadm: ['-A -t 192.168.1.112:80 -s nope'] }, (i) => `directors.ds1.ipvsadm[${i}]`).problems).toEqual([
      "directors.ds1.ipvsadm[0]: 'ipvsadm -A -t 192.168.1.112:80 -s nope' fails (status 255): Scheduler or persistence engine not found",
    ]);
  });
});
