// -S output read back by -R, and the -R reader's quirks (the recording in kernel.test.ts shows each
// of them on the real binary).
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../ipvs/clock.js';
import { Ipvs } from '../ipvs/ipvs.js';
import { IpvsadmUsageError, formatIpvsadm, parseRestore, parseRestoreLines, runIpvsadm, splitRestoreLines } from './index.js';
import { busy, service, snapshot } from '../../../test/ipvsadm/snapshots.js';

/** the embedded IPVS core, as ipvsadm drives the kernel */
const newCore = (): Ipvs => new Ipvs({ clock: new ManualClock(0) });

describe('-S then -R', () => {
  it('restores a table that saves to the same text', () => {
    // busy() without the fwmark above 2^31 (see the next test)
    const original = busy();
    original.services = original.services.filter((s) => s.key.kind !== 'fwmark');
    original.services.push(service({ kind: 'fwmark', fwmark: 2147483647 }, { scheduler: 'mh', schedFlags: ['mh-fallback'] }, original.services[0].dests));
    // ipvsadm gives a DR dest of a TCP/UDP service the service port (busy() has one on 8080, which
    // only another tool could have made); see the next-but-one test
    original.services[0].dests.find((d) => d.options.forwarding === 'route')!.port = 80;
    const saved = formatIpvsadm({ op: 'save', numeric: true }, original);

    const kernel = newCore();
    const result = runIpvsadm(kernel, ['-R'], saved);
    expect(result).toEqual({ stdout: '', stderr: '', status: 0 });
    expect(runIpvsadm(kernel, ['-Sn'], '').stdout).toBe(saved);
    // what -S does not carry: thresholds and counters
    expect(kernel.snapshot().services.find((s) => s.key.kind === 'tcp')!.dests.every((d) => d.options.uThreshold === 0)).toBe(true);
  });

  it('1.31 saves a fwmark above 2^31 as a negative number that -R then refuses', () => {
    const saved = formatIpvsadm({ op: 'save', numeric: true }, snapshot([service({ kind: 'fwmark', fwmark: 3000000000 }, { scheduler: 'rr' }, [])]));
    expect(saved).toBe('-A -f -1294967296 -s rr\n');
    expect(() => parseRestore(saved)).toThrowError(expect.objectContaining({ stderr: "invalid fwmark value `-1294967296' specified\n", line: 1 }));
  });

  it('a DR dest saved with another port comes back on the service port', () => {
    const [, dest] = parseRestore('-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -g -w 1\n');
    expect(dest).toMatchObject({ op: 'add-dest', dest: { addr: '10.0.0.2', port: 80 } });
  });

  it('parseRestore returns every command, the word "ipvsadm" and blank lines skipped', () => {
    expect(parseRestore('ipvsadm -A -t 10.0.0.1:80 -s rr\n\n   \n-a -t 10.0.0.1:80 -r 10.0.0.2 -m\r\n')).toEqual([
      { op: 'add-service', service: { kind: 'tcp', addr: '10.0.0.1', port: 80 }, options: { scheduler: 'rr', schedFlags: [], ops: false }, complete: true },
      { op: 'add-dest', service: { kind: 'tcp', addr: '10.0.0.1', port: 80 }, dest: { addr: '10.0.0.2', port: 80 }, options: { forwarding: 'masq', weight: 1, uThreshold: 0, lThreshold: 0 } },
    ]);
  });
});

describe('the -R reader', () => {
  it('splits on blanks, drops "ipvsadm" anywhere, keeps line structure', () => {
    expect(splitRestoreLines('a  b\tc\n\nipvsadm d ipvsadm\ne')).toEqual([['a', 'b', 'c'], [], ['d'], ['e']]);
  });
  it('loses a last line ending in two blanks without a newline, keeps one ending in one', () => {
    expect(splitRestoreLines('-C\n-A -t 1.2.3.4:80  ')).toEqual([['-C']]);
    expect(splitRestoreLines('-C\n-A -t 1.2.3.4:80 ')).toEqual([['-C'], ['-A', '-t', '1.2.3.4:80']]);
  });
  it("'#' is no comment: the line has no command", () => {
    const lines = parseRestoreLines('# saved\n-C\n');
    expect(lines[0].error).toBeInstanceOf(IpvsadmUsageError);
    expect(lines[0].error!.stderr).toBe("Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n");
    expect(lines[1].command).toEqual({ op: 'clear' });
  });
});

describe('runIpvsadm -R', () => {
  it('runs lines up to the first one ipvsadm exits on; kernel and popt errors let it go on', () => {
    const kernel = newCore();
    const r = runIpvsadm(kernel, ['-R'], '-A -t 10.0.0.5:80 -s rr\n-A -t 10.0.0.5:80 -s rr\n-L --bogus\n-A -t 10.0.0.6:80 -s rr\n-A -t 10.0.0.7\n-A -t 10.0.0.8:80\n');
    expect(r).toEqual({
      stdout: '',
      stderr: 'Service already exists\n--bogus: unknown option\nZero port specified for non-persistent service\n',
      status: 2,
    });
    expect(kernel.snapshot().services.map((s) => (s.key.kind === 'tcp' ? s.key.addr : '')).sort()).toEqual(['10.0.0.5', '10.0.0.6']);
  });
  it('the status is that of the last line', () => {
    const kernel = newCore();
    expect(runIpvsadm(kernel, ['-R'], '-A -t 10.0.0.5:80\n-A -t 10.0.0.5:80\n').status).toBe(255);
    expect(runIpvsadm(kernel, ['-R'], '-A -t 10.0.0.5:80\n-A -t 10.0.0.6:80\n').status).toBe(0);
  });
  it('listings inside -R print; -R inside -R gives up', () => {
    const kernel = newCore();
    const r = runIpvsadm(kernel, ['-R'], '-L --timeout\n-R\n-C\n');
    expect(r).toEqual({ stdout: 'Timeout (tcp tcpfin udp): 900 120 300\n', stderr: "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n", status: 255 });
  });
  it('runIpvsadm outside -R: usage errors, kernel errors, listings', () => {
    const kernel = newCore();
    expect(runIpvsadm(kernel, ['-A'], '')).toEqual({ stdout: '', stderr: "You need to supply the 'service-address' option for the 'add-service' command\n", status: 2 });
    expect(runIpvsadm(kernel, ['-d', '-t', '1.1.1.1:1', '-r', '2.2.2.2'], '')).toEqual({ stdout: '', stderr: 'Service not defined\n', status: 255 });
    expect(runIpvsadm(kernel, ['-L', '-t', '1.1.1.1:1'], '')).toEqual({ stdout: '', stderr: 'No such service\n', status: 1 });
    expect(runIpvsadm(kernel, ['-v'], '')).toEqual({ stdout: 'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n', stderr: '', status: 0 });
  });
});
