import { describe, expect, it } from 'vitest';
import { projectSpans, projectTimeLines } from './project-time-reporter.js';

describe('wall time per project', () => {
  it('spans each project from its first start to its last end, in start order', () => {
    const spans = projectSpans([
      { project: 'suites', startMs: 5_000, endMs: 9_000 },
      { project: 'unit', startMs: 1_000, endMs: 2_000 },
      { project: 'suites', startMs: 4_000, endMs: 6_000 },
      { project: 'unit', startMs: 1_500, endMs: 3_500 },
    ]);
    expect(spans).toEqual([
      { project: 'unit', files: 2, startMs: 1_000, endMs: 3_500 },
      { project: 'suites', files: 2, startMs: 4_000, endMs: 9_000 },
    ]);
  });

  it('prints seconds per project and for the whole run', () => {
    const lines = projectTimeLines(projectSpans([{ project: 'kernel', startMs: 10_000, endMs: 70_500 }, { project: 'unit', startMs: 500, endMs: 2_000 }]), 0, 71_000);
    expect(lines).toEqual([
      'Wall time per project (first file started to last file ended):',
      '  unit       1.5 s  (1 file, from +0.5 s)',
      '  kernel    60.5 s  (1 file, from +10.0 s)',
      '  run       71.0 s  (whole run, start to end)',
    ]);
    expect(projectTimeLines([], 0, 1)).toEqual([]);
  });
});
