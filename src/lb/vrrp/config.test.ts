import { describe, expect, it } from 'vitest';
import { notifyCommands, splitCommand } from './io/notify.js';
import { hasVrrpInstances, loadVrrpConfig, parseInterfaceMap } from './load.js';

describe('notify scripts as keepalived runs them', () => {
  it('splits the configured string into words, quotes grouping', () => {
    expect(splitCommand('/usr/bin/notify.sh "two words" x')).toEqual(['/usr/bin/notify.sh', 'two words', 'x']);
  });

  it('runs the state script, then notify with INSTANCE NAME STATE PRIORITY', () => {
    const s = { notifyMaster: '/bin/m arg', notify: '/bin/all' };
    expect(notifyCommands(s, 'INSTANCE', 'VI_1', 'MASTER', 150)).toEqual([['/bin/m', 'arg'], ['/bin/all', 'INSTANCE', 'VI_1', 'MASTER', '150']]);
    expect(notifyCommands(s, 'INSTANCE', 'VI_1', 'BACKUP', 100)).toEqual([['/bin/all', 'INSTANCE', 'VI_1', 'BACKUP', '100']]);
    expect(notifyCommands({ notify: '/bin/all', notifyStop: '/bin/s' }, 'GROUP', 'VG1', 'STOP')).toEqual([['/bin/s'], ['/bin/all', 'GROUP', 'VG1', 'STOP']]);
  });
});

describe('loading a keepalived.conf for the speaker', () => {
  const conf = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n 10.0.0.1/24 dev eth0 label eth0:v\n }\n}\n';

  it('maps interface names everywhere they appear', () => {
    const { config } = loadVrrpConfig(conf, { interfaces: parseInterfaceMap('eth0=ext0') });
    expect(config.vrrpInstances[0].interface).toBe('ext0');
    expect(config.vrrpInstances[0].virtualIpaddress[0]).toMatchObject({ dev: 'ext0', label: 'ext0:v' });
  });

  it('refuses files without VRRP and bad maps', () => {
    expect(() => loadVrrpConfig('virtual_server 1.1.1.1 80 {\n}\n', { file: 'x.conf' })).toThrow('x.conf: no vrrp_instance to run');
    expect(() => parseInterfaceMap('eth0')).toThrow("interface map: 'eth0' is not FROM=TO");
    expect(hasVrrpInstances(conf)).toBe(true);
    expect(hasVrrpInstances('global_defs {\n}\n')).toBe(false);
  });
});
