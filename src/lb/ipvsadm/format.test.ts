// The article lab's listing and a small connection table from hand-built snapshots
// (test/ipvsadm/snapshots.ts), checked against snapshot files (test/snapshots/ipvsadm/): lvslab's own
// output kept for regression. What the real ipvsadm prints is checked by kernel.test.ts and
// traffic.test.ts against recordings.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Resolver, filesResolver, formatIpvsadm, parseIpvsadm } from './index.js';
import { article, conn, snapshot } from '../../../test/ipvsadm/snapshots.js';

const snapshotFile = (name: string): string => readFileSync(new URL(`../../../test/snapshots/ipvsadm/${name}`, import.meta.url), 'utf8');
const NO_NAMES = filesResolver({ hosts: '', services: '' });
const run = (line: string, snap = article(), resolver: Resolver = NO_NAMES): string => formatIpvsadm(parseIpvsadm(line.split(' '), { resolver }), snap, { resolver });

describe('ipvsadm -Ln', () => {
  it('prints the article lab byte for byte, services and dests sorted', () => {
    expect(run('-Ln')).toBe(snapshotFile('list-article.txt'));
  });
  it('-L and -l without -n print numbers in the same layout where the resolver knows no names', () => {
    expect(run('-L')).toBe(snapshotFile('list-article.txt'));
    expect(run('-l')).toBe(snapshotFile('list-article.txt'));
  });
  it('-L without -n prints the names the resolver gives, ports by the service\'s protocol, cut at 33 and 28', () => {
    const named = filesResolver({
      hosts: '192.168.1.112 vip.example.lab vip\n10.0.0.2 a-real-server-with-a-long-name.lab\n',
      services: 'http 80/tcp www\nlvs-udp 9999/udp\n',
    });
    expect(run('-L', article(), named).split('\n').slice(3)).toEqual([
      'TCP  vip.example.lab:http wlc',
      '  -> 10.0.0.1:http                Masq    1      7          48        ',
      '  -> a-real-server-with-a-long-na Masq    2      12         101       ',
      'UDP  vip.example.lab:lvs-udp rr',
      '  -> 10.0.0.1:lvs-udp             Masq    1      0          2         ',
      '  -> a-real-server-with-a-long-na Masq    1      0          3         ',
      '',
    ]);
    expect(run('-S', article(), named)).toContain('-a -t vip.example.lab:http -r a-real-server-with-a-long-name.lab:http -m -w 2\n');
  });
});

describe('ipvsadm -Lnc', () => {
  it('prints connections and templates with mm:ss expiry', () => {
    const snap = snapshot([], {
      connections: [
        conn({ client: { addr: '10.0.0.2', port: 41234 }, virtual: { addr: '10.0.0.100', port: 80 }, dest: { addr: '10.0.1.11', port: 80 }, expiresIn: 898 }),
        conn({ protocol: 'udp', state: 'UDP', expiresIn: 299, client: { addr: '172.16.0.9', port: 5353 }, virtual: { addr: '10.0.0.100', port: 53 }, dest: { addr: '10.0.1.12', port: 53 } }),
        conn({ template: true, state: 'NONE', expiresIn: 359, client: { addr: '10.0.0.2', port: 0 }, virtual: { addr: '10.0.0.100', port: 80 }, dest: { addr: '10.0.1.11', port: 80 } }),
        conn({ template: true, fwmark: 5, state: 'NONE', expiresIn: 7, client: { addr: '10.0.0.2', port: 0 }, virtual: { addr: '0.0.0.0', port: 0 }, dest: { addr: '10.0.1.11', port: 0 } }),
      ],
    });
    expect(run('-Lnc', snap)).toBe(snapshotFile('conns-basic.txt'));
  });
});
