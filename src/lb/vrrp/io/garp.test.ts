import { describe, expect, it } from 'vitest';
import { garpFrame } from './garp.js';

describe("the gratuitous ARP frame, as keepalived 2.2.7 sends it (vrrp_arp.c)", () => {
  const mac = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x01, 0x6e]);
  const f = garpFrame(mac, '192.168.1.112');

  it('is 42 bytes: Ethernet broadcast from our MAC, ARP request', () => {
    expect(f.length).toBe(42);
    expect(f.toString('hex')).toBe(
      'ffffffffffff' + '02000000016e' + '0806' + // Ethernet: broadcast, ours, ARP
        '0001' + '0800' + '06' + '04' + '0001' + // Ethernet/IPv4, request
        '02000000016e' + 'c0a80170' + // sender: our MAC, the VIP
        'ffffffffffff' + 'c0a80170', // target: the broadcast MAC (not zeros), the VIP
    );
  });

  it('target MAC is ff:ff:ff:ff:ff:ff, target IP the VIP', () => {
    expect(f.subarray(32, 38).equals(Buffer.alloc(6, 0xff))).toBe(true);
    expect([...f.subarray(38, 42)]).toEqual([192, 168, 1, 112]);
  });
});
