// The sharding suite's own small project (suites/api/sharding.test.ts checks this directory out into a
// "runner" directory per CI job and runs the workflow of docs/examples/sharded-ci.yml in it). Two
// projects run one after the other, as in the repository's vitest.config.ts, so `--shard` meets
// projects and groupOrder as it does in `npm test`. Under CI it writes vitest's JSON report, as the
// repository's config writes JUnit XML, for the suite to compare sharded-and-merged with whole.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Each runner directory keeps its own cache, as a fresh CI checkout does.
  cacheDir: '.vite',
  test: {
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'reports/vitest.json' }]] : ['default'],
    projects: [
      { test: { name: 'first', include: ['first/*.fixture.ts'], testTimeout: 60_000, maxWorkers: 1, sequence: { groupOrder: 0 } } },
      { test: { name: 'second', include: ['second/*.fixture.ts'], testTimeout: 60_000, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
