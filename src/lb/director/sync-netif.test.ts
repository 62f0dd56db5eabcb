import { describe, expect, it } from 'vitest';
import { interfaceFromIpJson } from './sync-netif.js';

describe('the multicast interface', () => {
  it("takes the first primary global IPv4 as the master's source, skipping secondaries (the VIP)", () => {
    const json = [
      {
        ifindex: 7,
        ifname: 'eth0',
        mtu: 1500,
        addr_info: [
          { family: 'inet6', local: 'fe80::1', scope: 'link' },
          { family: 'inet', local: '192.168.1.112', scope: 'global', secondary: true },
          { family: 'inet', local: '192.168.1.110', scope: 'global' },
        ],
      },
    ];
    expect(interfaceFromIpJson(json)).toEqual({ name: 'eth0', ifindex: 7, mtu: 1500, primaryIPv4: '192.168.1.110' });
  });

  it('has no source address when the device has no global IPv4, and no device for empty output', () => {
    expect(interfaceFromIpJson([{ ifindex: 1, ifname: 'lo', mtu: 65536, addr_info: [{ family: 'inet', local: '127.0.0.1', scope: 'host' }] }])).toEqual({ name: 'lo', ifindex: 1, mtu: 65536 });
    expect(interfaceFromIpJson([])).toBeUndefined();
  });
});
