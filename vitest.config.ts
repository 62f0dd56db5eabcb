import { defineConfig } from 'vitest/config';

// Three projects: `unit` (pure logic beside its code, no root), `suites` (end-to-end labs in network
// namespaces, root), `kernel` (the kernel-backend suites, run natively or inside the kernel VM).
export default defineConfig({
  test: {
    reporters: process.env.CI ? ['default', ['junit', { outputFile: 'reports/junit.xml' }]] : ['default'],
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'suites',
          include: ['suites/**/*.test.ts'],
          exclude: ['suites/kernel/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'kernel',
          include: ['suites/kernel/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
