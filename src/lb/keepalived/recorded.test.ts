// keepalived.conf files as keepalived 2.2.7 put them in kernel IPVS (test/recordings/keepalived/*.json,
// recorded in the kernel VM by scripts/record-keepalived-ipvs.ts): the same conf parsed and
// translated into ipvsadm lines (the keepalived side of both backends), run on the embedded IPVS,
// lists the same `ipvsadm -Ln`; and the parser says of it what `keepalived -t` said.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configToIpvsadmCommands, parseKeepalivedConf, renderKeepalivedConf } from './index.js';
import { lab } from '../../../test/ipvs/testkit.js';

const dir = fileURLToPath(new URL('../../../test/recordings/keepalived/', import.meta.url));
const recordings = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('keepalived.conf into IPVS, against keepalived 2.2.7 on the kernel', () => {
  it('has recordings', () => {
    expect(recordings.length).toBeGreaterThan(0);
  });

  for (const file of recordings) {
    it(file, () => {
      const rec = JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as { provenance: { keepalived: string; kernel: string }; conf: string; configTest: string[]; ipvsadmLn: string; ipvsadmTimeout: string; ipvsadmThresholds: string };
      expect(rec.provenance.keepalived).toMatch(/^Keepalived v2\.2\.7 /);
      const { config, diagnostics } = parseKeepalivedConf(rec.conf);
      // what `keepalived -t` said of the file, line for line (lvslab's own notes aside)
      expect(diagnostics.filter((d) => d.level !== 'note').map((d) => d.text)).toEqual(rec.configTest);
      const l = lab();
      l.run(...configToIpvsadmCommands(config));
      expect(l.run('-Ln')).toBe(rec.ipvsadmLn);
      expect(l.run('-L --timeout')).toBe(rec.ipvsadmTimeout);
      expect(l.run('-Ln --thresholds')).toBe(rec.ipvsadmThresholds);
      // written back as lvslab writes keepalived.conf, the file still means the same table
      expect(configToIpvsadmCommands(parseKeepalivedConf(renderKeepalivedConf(config)).config)).toEqual(configToIpvsadmCommands(config));
    });
  }
});
