// The kernel backend's pure helpers and its crash signal (no IPVS needed).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { addressesOf, linkNames, signalKeepalived } from './backend.js';

describe('kernel backend helpers', () => {
  it('reads interface names from ip -o link show, veth peers and lo included', () => {
    const text = [
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '2: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 4e:af:78:ce:d2:fa brd ff:ff:ff:ff:ff:ff link-netns lvs-lep0g8-sw',
      '3: eth1@if6: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP',
      '',
    ].join('\n');
    expect(linkNames(text)).toEqual(['lo', 'eth0', 'eth1']);
  });

  it('reads IPv4 addresses per interface from ip -o -4 addr show, secondaries (VIPs) included', () => {
    const text = [
      '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
      '2: eth0    inet 192.168.1.110/24 scope global eth0\\       valid_lft forever preferred_lft forever',
      '2: eth0    inet 192.168.1.112/24 scope global secondary eth0\\       valid_lft forever preferred_lft forever',
      '3: eth1    inet 10.0.0.103/24 scope global eth1\\       valid_lft forever preferred_lft forever',
    ].join('\n');
    const a = addressesOf(text);
    expect([...a.keys()]).toEqual(['lo', 'eth0', 'eth1']);
    expect([...a.get('eth0')!]).toEqual(['192.168.1.110/24', '192.168.1.112/24']);
    expect([...a.get('eth1')!]).toEqual(['10.0.0.103/24']);
  });

  it('SIGKILL takes the parent and its children, the parent stopped first so it cannot start another', async () => {
    // a parent that starts a new child whenever one exits, as keepalived does for its VRRP and checker processes
    const parent = spawn('sh', ['-c', 'while :; do sleep 100 & wait $!; done'], { stdio: 'ignore' });
    const pid = parent.pid!;
    const exited = new Promise((r) => parent.once('exit', r));
    try {
      let children: number[] = [];
      for (let i = 0; i < 50 && children.length === 0; i++) {
        await sleep(20);
        children = childrenOf(pid);
      }
      expect(children.length).toBe(1);
      signalKeepalived(pid, 'SIGKILL');
      await exited;
      for (let i = 0; i < 50 && [pid, ...children].some(alive); i++) await sleep(20);
      expect([pid, ...children].filter(alive)).toEqual([]);
    } finally {
      for (const p of [pid, ...childrenOf(pid)]) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
  });
});

function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** running (a zombie waiting for its reaper counts as gone) */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
