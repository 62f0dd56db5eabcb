// What one-arm DR with offload must do, IPv4 (the `dr` preset) or IPv6: conntrack sees each TCP
// connection's SYN but never the real server's SYN-ACK, so it calls the client's later segments
// invalid and they carry no ct mark; they cross to the core, which routes them by the connection's
// mark (src/lb/director/netfilter.ts, oneArmDr).
import { expect } from 'vitest';
import type { LvsLab } from '../../../src/api/up.js';
import type { EmbeddedSession } from '../../../src/lb/director/backend.js';

/** Four HTTP connections complete in rr order; every packet that crossed was routed, not only SYNs. */
export async function expectOneArmDrOffload(lab: LvsLab, url: string): Promise<void> {
  const run = await lab.client.http(url, { count: 4 });
  expect(run.failed).toBe(0);
  expect(run.sequence).toEqual(['RS2', 'RS1', 'RS2', 'RS1']);
  const st = await (lab.session as EmbeddedSession).status('ds1');
  expect(st.mode).toBe('offload');
  expect(st.dataplane.routed).toBe(st.dataplane.inbound);
  // the SYNs and the client's later segments (at least its ACK and request)
  expect(st.dataplane.inbound).toBeGreaterThanOrEqual(4 * 3);
}
