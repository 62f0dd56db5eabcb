import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIpvsadm, parseIpvsadm } from './index.js';
import { article, conn, snapshot } from '../../../test/ipvsadm/snapshots.js';

const golden = (name: string): string => readFileSync(new URL(`../../../test/snapshots/ipvsadm/${name}`, import.meta.url), 'utf8');
const run = (line: string, snap = article()): string => formatIpvsadm(parseIpvsadm(line.split(' ')), snap);

describe('ipvsadm -Ln', () => {
  it('prints the article lab byte for byte, services and dests sorted', () => {
    expect(run('-Ln')).toBe(golden('list-article.txt'));
  });
  it('-L and -l without -n keep the same layout (lvslab prints numbers)', () => {
    expect(run('-L')).toBe(golden('list-article.txt'));
    expect(run('-l')).toBe(golden('list-article.txt'));
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
    expect(run('-Lnc', snap)).toBe(golden('conns-basic.txt'));
  });
});
