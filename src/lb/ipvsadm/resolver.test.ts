// The files source as glibc's nss_files reads /etc/hosts and /etc/services (resolver.ts); the
// recording (kernel.test.ts) shows the same tables through the real ipvsadm.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesResolver, systemResolver } from './resolver.js';

const r = filesResolver({
  hosts: [
    '# comment line',
    '10.0.0.1\tweb.lab  web   # trailing comment',
    '10.0.0.1\tsecond',
    '10.0.0.2\tweb',
    '::1\tip6host',
    '010.0.0.3\tleading-zero',
    '10.0.0.4',
    '  10.0.0.5   indented',
  ].join('\n'),
  services: ['http\t80/tcp\twww', 'http\t80/udp', 'dns-only-udp\t53/udp', 'big\t65616/tcp', 'broken', 'Case\t81/tcp'].join('\n'),
});

describe('hosts', () => {
  it('the first line with the address names it (its canonical name)', () => {
    expect(r.hostByAddr(0x0a000001)).toBe('web.lab');
    expect(r.hostByAddr(0x0a000002)).toBe('web');
    expect(r.hostByAddr(0x0a000005)).toBe('indented');
  });
  it('a name or alias gives the first line naming it, in any case', () => {
    expect(r.hostByName('WEB')).toBe(0x0a000001);
    expect(r.hostByName('second')).toBe(0x0a000001);
  });
  it('an IPv6 line counts as ::1 = 127.0.0.1 or v4-mapped, else not; a line without a name names its address ""', () => {
    expect(r.hostByName('ip6host')).toBe(0x7f000001);
    const v6 = filesResolver({ hosts: '::ffff:10.1.2.3 mapped\nfe80::1 linklocal\n', services: '' });
    expect(v6.hostByName('mapped')).toBe(0x0a010203);
    expect(v6.hostByName('linklocal')).toBeUndefined();
    expect(r.hostByAddr(0x0a000004)).toBe('');
  });
  it('inet_pton-invalid addresses and comments give nothing', () => {
    expect(r.hostByName('leading-zero')).toBeUndefined();
    expect(r.hostByName('comment')).toBeUndefined();
    expect(r.hostByName('trailing')).toBeUndefined();
  });
  it('digits and dots are no name', () => {
    const digits = filesResolver({ hosts: '10.0.0.9 1.2.3.4.5\n', services: '' });
    expect(digits.hostByName('1.2.3.4.5')).toBeUndefined();
  });
});

describe('services', () => {
  it('by name or alias and protocol, names with case', () => {
    expect(r.servByName('www', 'tcp')).toBe(80);
    expect(r.servByName('http', 'udp')).toBe(80);
    expect(r.servByName('dns-only-udp', 'tcp')).toBeUndefined();
    expect(r.servByName('case', 'tcp')).toBeUndefined();
    expect(r.servByName('Case', 'tcp')).toBe(81);
  });
  it('by port and protocol: the official name of the first line; ports keep their low 16 bits', () => {
    expect(r.servByPort(80, 'tcp')).toBe('http');
    expect(r.servByPort(53, 'udp')).toBe('dns-only-udp');
    expect(r.servByPort(53, 'tcp')).toBeUndefined();
    expect(r.servByName('big', 'tcp')).toBe(80);
  });
});

describe('systemResolver', () => {
  it('reads hosts and services under the given directory, and answers nothing for a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvslab-resolver-'));
    try {
      writeFileSync(join(dir, 'hosts'), '192.168.1.112 vip\n');
      const sys = systemResolver(dir);
      expect(sys.hostByAddr(0xc0a80170)).toBe('vip');
      expect(sys.servByPort(80, 'tcp')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
