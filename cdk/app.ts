/**
 * The cdk.json app: `npx cdk synth | deploy | destroy`. STARBACKUP_SKIP_BUNDLING=1 skips esbuild (the
 * template and the cdk-nag checks stay the same), for a quick `cdk synth` or `cdk diff` of the template only.
 */
import { createApp } from './create-app.ts';

const skipBundling = process.env.STARBACKUP_SKIP_BUNDLING === '1';
// postCliContext, because the CLI itself sets which stacks to bundle and plain context cannot override it.
createApp(skipBundling ? { postCliContext: { 'aws:cdk:bundling-stacks': [] } } : {}).app.synth();
