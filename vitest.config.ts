import { defineConfig } from 'vitest/config';

// Three projects, their files run one project after the other (sequence.groupOrder):
// - `unit`: pure logic beside its code (no root, no network);
// - `suites`: end-to-end labs in network namespaces (root), two files at a time;
// - `kernel`: suites that need kernel IPVS, run natively or inside the kernel VM (docs/kernel.md).
//   In the VM, the kernel pass most of them read starts first, from the project's global setup, and
//   runs beside the other two (the lab suites pass with a core kept busy: docs/lab.md, the soak).
const kernelSuites = ['suites/kernel/**/*.test.ts', 'suites/**/kernel-*.test.ts'];

export default defineConfig({
  test: {
    // After the summary, test/capability-reporter.ts lists every suite skipped for a missing capability
    // (under CI only declared exceptions can skip: test/capabilities.ts, test/ci-exceptions.ts).
    // test/project-time-reporter.ts prints the wall time of each project at the very end.
    reporters: process.env.CI
      ? ['default', ['junit', { outputFile: 'reports/junit.xml' }], './test/capability-reporter.ts', './test/project-time-reporter.ts']
      : ['default', './test/capability-reporter.ts', './test/project-time-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 20_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'suites',
          include: ['suites/**/*.test.ts'],
          exclude: kernelSuites,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'kernel',
          include: kernelSuites,
          // starts the kernel pass in the VM at the beginning of the run, beside the other projects (the file says when not)
          globalSetup: ['./test/kernel/pass/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
