/**
 * Prebuilds the workflow bundle for production start-up (the worker uses dist/workflow-bundle.js when
 * present), so a worker starts in a second instead of running webpack on every boot.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PREBUILT_BUNDLE } from '../worker/main';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  mkdirSync(path.dirname(PREBUILT_BUNDLE), { recursive: true });
  writeFileSync(PREBUILT_BUNDLE, code);
  process.stdout.write(`wrote ${path.relative(process.cwd(), PREBUILT_BUNDLE)} (${(code.length / 1024).toFixed(0)} KiB)\n`);
}

void main();
