// keepalived's IPv6 virtual servers (scenarios/article6) as ipvsadm lines: addresses in brackets.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configToIpvsadmCommands, parseKeepalivedConf } from './index.js';

const conf = (name: string) => readFileSync(fileURLToPath(new URL(`../../../scenarios/article6/${name}`, import.meta.url)), 'utf8');

describe('IPv6 virtual servers', () => {
  it("give the article6 NAT services with [v6]:port, as ipvsadm takes them", () => {
    for (const file of ['keepalived.conf', 'keepalived-ds2.conf']) {
      const { config, diagnostics } = parseKeepalivedConf(conf(file), { file });
      expect(diagnostics.filter((d) => d.level === 'warning').map((d) => d.text)).toEqual([]);
      expect(configToIpvsadmCommands(config)).toEqual([
        '-A -t [2001:db8::112]:80 -s rr',
        '-a -t [2001:db8::112]:80 -r [fd00::101]:80 -m -w 1',
        '-a -t [2001:db8::112]:80 -r [fd00::102]:80 -m -w 1',
        '-A -u [2001:db8::112]:9999 -s rr',
        '-a -u [2001:db8::112]:9999 -r [fd00::101]:9999 -m -w 1',
        '-a -u [2001:db8::112]:9999 -r [fd00::102]:9999 -m -w 1',
      ]);
    }
  });

  it('refuses a bad IPv6 real server address, naming it', () => {
    expect(() => parseKeepalivedConf('virtual_server 2001:db8::112 80 {\n real_server fd00::1::1 80 {\n }\n}\n')).toThrow("real_server: 'fd00::1::1' is not an IPv6 real server address");
  });
});
