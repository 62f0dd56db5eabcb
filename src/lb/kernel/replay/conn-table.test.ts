import { describe, expect, it } from 'vitest';
import { procConnsAsLnc } from './conn-table.js';
import { connStateIn } from './settle.js';

// as kernel 6.1's ip_vs_conn_seq_show prints it (net/netfilter/ipvs/ip_vs_conn.c)
const PROC = `Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP C0A80115 9C41 C0A80170 0050 0A00000C 0050 TIME_WAIT       119
TCP C0A80114 9C40 C0A80170 0050 0A00000B 0050 CLOSE             9
UDP C0A80114 9C40 C0A80170 270F 0A00000B 270F UDP             299
TCP 2001:0db8:0000:0000:0000:0000:0000:0001 0050 2001:0db8:0000:0000:0000:0000:0000:0002 0050 2001:0db8:0000:0000:0000:0000:0000:0003 0050 ESTABLISHED     899
`;

describe('the director connection table from /proc/net/ip_vs_conn', () => {
  it('turns the hex rows into the -Lnc rows settle reads', () => {
    expect(procConnsAsLnc(PROC)).toBe(
      [
        'TCP 119 TIME_WAIT 192.168.1.21:40001 192.168.1.112:80 10.0.0.12:80',
        'TCP 9 CLOSE 192.168.1.20:40000 192.168.1.112:80 10.0.0.11:80',
        'UDP 299 UDP 192.168.1.20:40000 192.168.1.112:9999 10.0.0.11:9999',
        'TCP 899 ESTABLISHED [2001:db8::1]:80 [2001:db8::2]:80 [2001:db8::3]:80',
        '',
      ].join('\n'),
    );
    expect(connStateIn(procConnsAsLnc(PROC), '192.168.1.20:40000', '192.168.1.112:80')).toBe('CLOSE');
    expect(connStateIn(procConnsAsLnc(PROC), '192.168.1.21:40001', '192.168.1.112:80')).toBe('TIME_WAIT');
    // an IPv6 row as ipvsadm -Lnc writes it (inet_ntop's text in brackets), which the trace's endpoints match
    expect(connStateIn(procConnsAsLnc(PROC), '[2001:db8::1]:80', '[2001:db8::2]:80')).toBe('ESTABLISHED');
  });

  it('reads an empty table (the header alone) as no rows', () => {
    expect(procConnsAsLnc('Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n')).toBe('');
  });
});
