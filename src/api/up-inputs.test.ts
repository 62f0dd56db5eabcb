// up() checks every director's configuration before it builds anything: a keepalived.conf error
// names the user's file and line, and no lab is built.
import { describe, expect, it, vi } from 'vitest';

const built = vi.hoisted(() => ({ count: 0 }));
vi.mock('../lab/index.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../lab/index.js')>()),
  buildLab: async () => {
    built.count++;
    throw new Error('a lab was built');
  },
}));

const { up, LabApiError } = await import('./up.js');

describe('up()', () => {
  it("refuses a bad keepalived.conf or ipvsadm line before building, naming the user's file and line", async () => {
    const keepalivedConf = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 0\n  priority 100\n}\n';
    const err = await up('article', { directors: { ds1: { keepalivedConf, keepalivedFile: 'conf/ds1.conf' }, ds2: { ipvsadm: ['-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m'] } } }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(LabApiError);
    expect((err as Error).message).toBe(
      [
        'invalid director configuration:',
        '  directors.ds1: conf/ds1.conf line 3: virtual_router_id: 0 is outside 1..255',
        "  directors.ds2: ipvsadm line 1: 'ipvsadm -a -t 192.168.1.112:80 -r 10.0.0.101:80 -m' fails (status 255): Service not defined",
      ].join('\n'),
    );
    expect(built.count).toBe(0);
  });
});
