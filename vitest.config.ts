import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The cloud stack runs under its own config (vitest.cloud.config.ts, `npm run test:cloud`).
    exclude: ['test/cloud/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // s3rver (one child process for the run); see test/support/global-setup.ts.
    globalSetup: ['test/support/global-setup.ts'],
    // In every worker, before its test files: drops the AWS SDK's Node-version warning, as the CLI does.
    setupFiles: ['test/support/setup-warnings.ts'],
    env: {
      // Tests must never reach beyond 127.0.0.1: the AWS default credential chain would otherwise ask the
      // EC2 instance metadata service (169.254.169.254) when no other credentials are found.
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  },
});
