import { defineConfig } from 'vitest/config';
import SummaryLineReporter from './test/support/summary-reporter.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Training tests on MovieLens take seconds each on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Files run in separate processes so native handles (DuckDB, SQLite) never share state.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', new SummaryLineReporter()],
    // Library code logs through the shared logger at LOG_LEVEL; info lines from training and
    // ingest would bury the test report. Set LOG_LEVEL to see them.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  },
});
