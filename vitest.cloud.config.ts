import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cloud`: the synthesized stack's bundles run as Lambda runs them, behind an IAM gate
 * (test/cloud/support). Separate from the unit suite because it synthesizes with bundling first.
 */
export default defineConfig({
  test: {
    include: ['test/cloud/**/*.test.ts'],
    // Each file stands up its own stack (a dozen processes); two at once would only fight for the cores.
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    globalSetup: ['test/cloud/support/cloud-setup.ts'],
    setupFiles: ['test/support/setup-warnings.ts'],
    env: { AWS_EC2_METADATA_DISABLED: 'true' },
  },
});
