import { describe, expect, it } from 'vitest';
import { checkRecordable, goldenItems, RecordingInputError, recordTrace, vmRecordTimeoutMs } from './record.js';

const TRACE = ['-A -u 10.0.0.100:53 -s rr', '-a -u 10.0.0.100:53 -r 10.0.1.1 -m', 'conn udp 10.0.0.2:1 10.0.0.100:53', '-D -u 10.0.0.100:54', '-Z -u 10.0.0.100:55', 'advance 2', '-Ln', ''].join('\n');

describe('lvslab record: before anything runs', () => {
  it('refuses what the replay cannot carry, naming the trace and the line', () => {
    expect(() => checkRecordable(TRACE, 't.trace')).not.toThrow();
    const refused = (text: string, re: RegExp) => {
      expect(() => checkRecordable(text, 't.trace')).toThrow(RecordingInputError);
      expect(() => checkRecordable(text, 't.trace')).toThrow(re);
    };
    refused(`${TRACE}frob 1\n`, /^t\.trace:8: unknown item 'frob'/);
    refused(`${TRACE}conn udp 10.0.0.2:1 10.0.0.100:53 mark=5\n`, /^t\.trace:8: mark= \(fwmark\) is not supported/);
    refused('-A -t 10.0.0.1:80\nconn tcp 10.0.0.2:1 10.0.0.1:80\n', /^t\.trace: the trace adds no real server/);
    refused('# nothing\n', /^t\.trace: the trace has no items/);
    refused(`${TRACE}advance 299\n`, /^t\.trace: the trace advances 301 s in all; .* at most 300 s/);
  });

  it('a missing VM kernel is an input error naming the fix, found before any boot', async () => {
    const saved = process.env.LVSLAB_KERNEL_VM_DIR;
    process.env.LVSLAB_KERNEL_VM_DIR = '/nonexistent/kernel-vm';
    try {
      await expect(recordTrace(TRACE, { kernel: 'vm', name: 't.trace' })).rejects.toThrow(/^no kernel to record on: no kernel VM prepared in \/nonexistent\/kernel-vm \(run scripts\/setup-kernel-vm\)/);
    } finally {
      if (saved === undefined) delete process.env.LVSLAB_KERNEL_VM_DIR;
      else process.env.LVSLAB_KERNEL_VM_DIR = saved;
    }
  });

  it('keeps the items that printed and the ipvsadm lines that failed silently, with their times and statuses', () => {
    const items = goldenItems(TRACE, {
      elapsedS: 5,
      items: [
        { line: 3, output: '10.0.0.2:1 -> 10.0.1.1:53\n', atS: 1.5 },
        { line: 4, output: 'No such service\n', atS: 1.6 },
        { line: 7, output: 'IP Virtual Server version 1.2.1 (size=4096)\n', atS: 4 },
      ],
      ipvsadm: [1, 2, 4, 5, 7].map((line) => ({ line, args: [], stdout: '', stderr: '', status: line === 4 || line === 5 ? 255 : 0 })),
    });
    expect(items).toEqual([
      { line: 3, text: 'conn udp 10.0.0.2:1 10.0.0.100:53', output: '10.0.0.2:1 -> 10.0.1.1:53\n', status: 0, atS: 1.5 },
      { line: 4, text: '-D -u 10.0.0.100:54', output: 'No such service\n', status: 255, atS: 1.6 },
      { line: 5, text: '-Z -u 10.0.0.100:55', output: '', status: 255, atS: 0 },
      { line: 7, text: '-Ln', output: 'IP Virtual Server version 1.2.1 (size=4096)\n', status: 0, atS: 4 },
    ]);
  });

  it('bounds a VM recording by boot, lab and the trace: its advances plus a slowed second per item', () => {
    // 60 s boot + 120 s lab + 2 s of advance + 13 s x 7 items
    expect(vmRecordTimeoutMs(TRACE)).toBe(60_000 + 120_000 + 2_000 + 13_000 * 7);
  });
});
