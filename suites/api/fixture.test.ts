// The `lab` fixture's promise: the lab is torn down even when the test throws, and a failed test
// keeps a pcap of each segment and the lab's logs, named in the task's meta for reporters.
import { execa } from 'execa';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withLabFixture, type LabEvidence } from 'lvslab/vitest';
import { needs, probe } from '../../test/capabilities.js';

describe('lab fixture', needs(await probe.root()), () => {
  it('tears down after a failing test and keeps pcaps and logs', async () => {
    const artifacts = await mkdtemp(join(tmpdir(), 'lvslab-artifacts-'));
    process.env.LVSLAB_ARTIFACTS = artifacts;
    const meta: { lvslab?: LabEvidence } = {};
    const ctx = { task: { name: 'a failing check', file: { name: 'suites/api/fake.test.ts' }, result: { state: 'fail' }, meta } };
    let labId = '';
    try {
      await expect(
        withLabFixture('article-single', { backend: 'embedded', directors: { ds1: { ipvsadm: ['-A -t 192.168.1.112:80 -s rr', '-a -t 192.168.1.112:80 -r 10.0.0.101:80 -m'] } } }, ctx as never, async (lab) => {
          labId = lab.id;
          await lab.client.http('192.168.1.112', { count: 2 });
          throw new Error('the check failed');
        }),
      ).rejects.toThrow('the check failed');

      const { stdout } = await execa('ip', ['netns', 'list']);
      expect(labId).not.toBe('');
      expect(stdout).not.toContain(`lvs-${labId}-`);

      const evidence = meta.lvslab!;
      expect(evidence.dir.startsWith(artifacts)).toBe(true);
      const pcap = evidence.files.find((f) => f.kind === 'pcap' && f.name === 'internal');
      // Two HTTP exchanges crossed the internal segment: far more than the 24-byte pcap header.
      expect((await stat(pcap!.path)).size).toBeGreaterThan(500);
      const pcapBytes = await readFile(pcap!.path);
      expect(pcapBytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
      expect(evidence.files.some((f) => f.kind === 'pcap' && f.name === 'external')).toBe(true);
      const log = evidence.files.find((f) => f.name === 'director-ds1.log');
      expect((await stat(log!.path)).isFile()).toBe(true);
      const index = JSON.parse(await readFile(join(evidence.dir, 'evidence.json'), 'utf8'));
      expect(index).toMatchObject({ test: 'a failing check', lab: labId, backend: 'embedded' });
    } finally {
      delete process.env.LVSLAB_ARTIFACTS;
      await rm(artifacts, { recursive: true, force: true });
    }
  });
});
