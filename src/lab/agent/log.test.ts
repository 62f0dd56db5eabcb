// Agents' log lines carry their own time, in the form `lvslab logs` reads (src/lab/logs.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogReader, lineTime } from '../logs.js';
import { agentLogLines } from './log.js';
import { UdpPeerFiles } from './servers.js';

describe('agent log lines', () => {
  afterEach(() => vi.restoreAllMocks());

  it('start with an ISO time that lvslab logs reads back', () => {
    const at = new Date('2026-12-06T07:08:09.123Z');
    const line = agentLogLines('lvslab agents serving: rs1 (tcp/80)', at);
    expect(line).toBe('2026-12-06T07:08:09.123Z lvslab agents serving: rs1 (tcp/80)\n');
    expect(lineTime(line.trimEnd())).toEqual({ at: at.getTime(), text: 'lvslab agents serving: rs1 (tcp/80)' });
  });

  it('time every line of a multi-line message, not only the first', () => {
    const at = new Date('2026-12-06T07:08:09.000Z');
    expect(agentLogLines('lvslab agents: rs1: failed\n  at listen\n', at)).toBe('2026-12-06T07:08:09.000Z lvslab agents: rs1: failed\n2026-12-06T07:08:09.000Z   at listen\n');
  });

  it('keep their own times in a log file instead of borrowing the line before', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lvslab-agentlog-'));
    try {
      const file = join(dir, 'agents.log');
      const first = new Date('2026-12-06T07:00:00.000Z');
      const second = new Date('2026-12-06T07:00:42.500Z');
      await writeFile(file, agentLogLines('lvslab agents serving: rs1 (tcp/80)', first) + agentLogLines('udp 9999: over 2 peers', second));
      const lines = await new LogReader(file, '-', 'agents').readNew();
      expect(lines.map((l) => [l.at, l.text])).toEqual([
        [first.getTime(), 'lvslab agents serving: rs1 (tcp/80)'],
        [second.getTime(), 'udp 9999: over 2 peers'],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a UDP service's flood notice is timestamped", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lvslab-agentlog-'));
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const f = new UdpPeerFiles(9999, join(dir, 'udp-9999'), { peers: 1, bytes: 1 << 20 });
      const before = Date.now();
      f.add('10.0.0.1', 40000, Buffer.from('a'));
      f.add('10.0.0.2', 40001, Buffer.from('b'));
      f.flush();
      const notice = String(write.mock.calls.find((c) => String(c[0]).includes('dropping the oldest'))?.[0]);
      const t = lineTime(notice.trimEnd());
      expect(t.text).toMatch(/^udp 9999: over 1 peers/);
      expect(t.at).toBeGreaterThanOrEqual(before - 1);
      expect(t.at).toBeLessThanOrEqual(Date.now());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
