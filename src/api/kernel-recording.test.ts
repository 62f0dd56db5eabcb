// toMatchKernelRecording as `lvslab/vitest` registers it (no lab, no kernel: the recordings here
// are made from the embedded output itself, then the trace is changed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { expect } from './vitest.js';
import { formatGolden, traceSha256 } from '../lb/kernel/recording/golden.js';
import { runTraceItems } from '../lb/simulate/run.js';

const TRACE = '-A -u 10.0.0.100:53 -s wrr\n-a -u 10.0.0.100:53 -r 10.0.1.1 -m -w 2\n-a -u 10.0.0.100:53 -r 10.0.1.2 -m -w 1\nconn udp 10.0.0.2:1 10.0.0.100:53\nconn udp 10.0.0.2:2 10.0.0.100:53\nconn udp 10.0.0.2:3 10.0.0.100:53\n';
const RECORDING = formatGolden({
  trace: { name: 'w.trace', sha256: traceSha256(TRACE) },
  provenance: { kernel: { release: '6.1.0-57-amd64', package: 'linux-image-6.1.0-57-amd64', version: '6.1.192-3', pinned: true }, ipvsadm: { version: 'v1.31', package: 'ipvsadm' }, recorded: '2026-12-06T00:00:00.000Z', how: 'test' },
  elapsedS: 1,
  items: [...runTraceItems(TRACE)].filter((r) => r.output !== '').map((r) => ({ line: r.line, text: r.text, output: r.output, status: r.status, atS: 0.5 })),
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvslab-matcher-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('toMatchKernelRecording', () => {
  it('passes for files and for content; .not passes when a weight changed', () => {
    fs.writeFileSync(path.join(dir, 'w.trace'), TRACE);
    fs.writeFileSync(path.join(dir, 'w.trace.golden'), RECORDING);
    expect(path.join(dir, 'w.trace')).toMatchKernelRecording(path.join(dir, 'w.trace.golden'));
    expect({ text: TRACE }).toMatchKernelRecording({ text: RECORDING });
    expect({ text: TRACE.replace('-w 1', '-w 2') }).not.toMatchKernelRecording({ text: RECORDING });
  });

  it('fails with the readable diff', () => {
    expect(() => expect({ text: TRACE.replace('-w 1', '-w 2'), name: 'w.trace' }).toMatchKernelRecording({ text: RECORDING, name: 'w.golden' })).toThrow(
      /w\.trace: the embedded IPVS disagrees with the kernel recording w\.golden on 1 item[^]*line 6: conn udp 10\.0\.0\.2:3 10\.0\.0\.100:53\n--- kernel\n\+\+\+ embedded\n@@ kernel line 1 @@\n-10\.0\.0\.2:3 -> 10\.0\.1\.1:53\n\+10\.0\.0\.2:3 -> 10\.0\.1\.2:53/,
    );
  });

  it('a recording without its header or a missing file is an error, not a verdict (also under .not)', () => {
    expect(() => expect({ text: TRACE }).not.toMatchKernelRecording({ text: 'x\n', name: 'bare.golden' })).toThrow(/^bare\.golden:1: no provenance header/);
    expect(() => expect(path.join(dir, 'none.trace')).toMatchKernelRecording({ text: RECORDING })).toThrow(/cannot read trace '.*none\.trace': ENOENT/);
    expect(() => expect(42).toMatchKernelRecording({ text: RECORDING })).toThrow(/the trace must be a file path or \{ text, name\? \}, got number/);
  });
});
