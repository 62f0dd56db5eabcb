// `lvslab/vitest`: a vitest `test` with a `lab` fixture and the lab matchers.
//
//   import { labTest, expect } from 'lvslab/vitest';
//   const test = labTest('article-single', { directors: { ds1: { ipvsadm: [...] } } });
//   test('rr alternates', async ({ lab }) => {
//     expect(await lab.client.http('http://192.168.1.112/', { count: 4 })).toBeRoundRobin(['RS1', 'RS2']);
//   });
//
// The lab is built before each test and torn down after it, also when it fails. While the test runs
// every segment is captured; when it fails, the pcaps and the lab's logs are kept under
// reports/lvslab/ (LVSLAB_ARTIFACTS overrides), named on stderr and in the task's meta (`lvslab`).
import { copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { expect, test as base, type TestContext } from 'vitest';
import { up, type LvsLab, type UpOptions } from './up.js';
import type { LabSource } from '../lab/index.js';
import { labMatchers, type ConnectionPattern, type MatchResult } from '../checks/matchers.js';
import type { StickKey } from '../checks/stickiness.js';
import { toMatchKernelRecording, type KernelRecordingMatchOptions, type TextSource } from './kernel-recording.js';

export interface LabMatchers<R = unknown> {
  /** answers cycle through exactly these servers (any starting point unless exactOrder) */
  toBeRoundRobin(servers: readonly string[], options?: { exactOrder?: boolean }): R;
  /** answers split by these weights (chi-square goodness of fit, p >= alpha, default 0.01) */
  toMatchWeights(weights: Readonly<Record<string, number>>, options?: { alpha?: number }): R;
  /** every client address ('client') or source address:port ('source') reached one real server */
  toStickBy(by: StickKey): R;
  /** an `ipvsadm -Lnc` table (text, rows or ipvsadm output) has a matching entry */
  toHaveConnection(pattern: ConnectionPattern): R;
  /** a probe timeline lost service for at most `ms` at a time and recovered */
  toFailOverWithin(ms: number): R;
  /** a trace (file path or { text, name? }) run against the embedded IPVS prints what the kernel printed
   * in its recording (`lvslab record TRACE > TRACE.golden`), as `lvslab simulate --expect` checks it */
  toMatchKernelRecording(recording: TextSource, options?: KernelRecordingMatchOptions): R;
}

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends LabMatchers<T> {}
}

expect.extend(
  Object.fromEntries(
    Object.entries({ ...labMatchers, toMatchKernelRecording }).map(([name, fn]) => [
      name,
      function (this: unknown, received: unknown, ...args: unknown[]) {
        return (fn as (r: unknown, ...a: unknown[]) => MatchResult)(received, ...args);
      },
    ]),
  ) as unknown as Parameters<typeof expect.extend>[0],
);

export interface LabFixtureOptions extends UpOptions {
  /** capture every segment during the test, kept when it fails (default true; needs tcpdump) */
  capture?: boolean;
}

/** Where failed tests' pcaps and logs go. */
export function artifactsRoot(): string {
  return process.env.LVSLAB_ARTIFACTS ?? join(process.cwd(), 'reports', 'lvslab');
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 120) || 'test';
}

/**
 * Why a kernel-backend test cannot run in this process, or undefined where it can (the kernel has
 * IPVS here, natively or because this process runs inside the kernel VM). A vitest test is a
 * closure of the test file's process and cannot be moved into the kernel VM; scenario files can:
 * `lvslab run FILE --backend kernel` runs them there (docs/kernel.md).
 */
export async function kernelTestUnavailable(): Promise<string | undefined> {
  const { hostHasIpvs } = await import('../lb/kernel/capability.js');
  const host = await hostHasIpvs();
  if (host.ok) return undefined;
  return `${host.reason}; a vitest test runs only where the kernel has IPVS — write it as a scenario file and run \`lvslab run FILE --backend kernel\`, which runs it in the kernel VM (docs/kernel.md)`;
}

/** Build, hand over, and always tear down a lab for one test; keep evidence when the test fails. */
export async function withLabFixture(source: LabSource, options: LabFixtureOptions, ctx: TestContext, use: (lab: LvsLab) => Promise<void>): Promise<void> {
  if (options.backend === 'kernel') {
    const why = await kernelTestUnavailable();
    if (why !== undefined) ctx.skip(why);
  }
  const lab = await up(source, options);
  let scratch: string | undefined;
  try {
    let capture: Awaited<ReturnType<LvsLab['capture']>> | undefined;
    if (options.capture ?? true) {
      scratch = await mkdtemp(join(tmpdir(), `lvslab-${lab.id}-`));
      capture = await lab.capture(scratch).catch((err: Error) => {
        process.stderr.write(`lvslab: no packet capture for "${ctx.task.name}": ${err.message}\n`);
        return undefined;
      });
    }
    try {
      await use(lab);
    } finally {
      const pcaps = (await capture?.stop().catch(() => undefined)) ?? [];
      if (ctx.task.result?.state === 'fail') await keepEvidence(lab, ctx, pcaps);
    }
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
    await lab.down();
  }
}

/** What a failed test left behind; also on `task.meta.lvslab` for reporters. */
export interface LabEvidence {
  dir: string;
  files: { kind: 'pcap' | 'log'; name: string; path: string; bytes?: number }[];
}

async function keepEvidence(lab: LvsLab, ctx: TestContext, pcaps: { segment: string; path: string; bytes: number }[]): Promise<LabEvidence> {
  const dir = join(artifactsRoot(), slug(basename(ctx.task.file?.name ?? 'suite')), `${slug(ctx.task.name)}-${lab.id}`);
  await mkdir(dir, { recursive: true });
  const evidence: LabEvidence = { dir, files: [] };
  for (const p of pcaps) {
    const to = join(dir, `${p.segment}.pcap`);
    await rename(p.path, to).catch(() => copyFile(p.path, to));
    evidence.files.push({ kind: 'pcap', name: p.segment, path: to, bytes: p.bytes });
  }
  for (const log of await lab.saveLogs(join(dir, 'logs'))) evidence.files.push({ kind: 'log', name: basename(log), path: log });
  await writeFile(join(dir, 'evidence.json'), JSON.stringify({ test: ctx.task.name, file: ctx.task.file?.name, lab: lab.id, backend: lab.backend, ...evidence }, null, 2));
  // vitest refuses annotations once a test has failed (its state is no longer "run"), so the
  // evidence goes where reporters read it: the task's meta, and a line on stderr, which the
  // default and JUnit reporters keep with the test.
  (ctx.task.meta as { lvslab?: LabEvidence }).lvslab = evidence;
  const pcapList = evidence.files.filter((f) => f.kind === 'pcap').map((f) => basename(f.path));
  process.stderr.write(`lvslab: "${ctx.task.name}" failed; lab ${lab.id} kept ${pcapList.length ? pcapList.join(', ') : 'no pcap'} and ${evidence.files.length - pcapList.length} logs in ${dir}\n`);
  return evidence;
}

/**
 * A vitest `test` whose `lab` fixture is `up(source, options)`, built before each test and torn down
 * after it. The lab matchers are registered on `expect` by importing this module.
 */
export function labTest(source: LabSource, options: LabFixtureOptions = {}) {
  return base.extend<{ lab: LvsLab }>({
    lab: async ({ task, annotate, onTestFailed, onTestFinished, signal, skip }, use) => {
      const ctx = { task, annotate, onTestFailed, onTestFinished, signal, skip } as TestContext;
      await withLabFixture(source, options, ctx, use);
    },
  });
}

/** The default: the article's single-director lab on the embedded backend. */
export const test = labTest('article-single', { backend: 'embedded' });
export const it = test;

export { expect, describe, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
export type { LvsLab } from './up.js';
export type { KernelRecordingMatchOptions, TextSource } from './kernel-recording.js';
