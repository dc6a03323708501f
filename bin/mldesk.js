#!/usr/bin/env node
// Entry point of the `mldesk` command: runs the compiled CLI (npm run build writes dist/). The
// bundled CLI (dist/cli-bundle, scripts/bundle-cli.js) starts faster; the tsc output is used when
// there is no bundle, or when it is older than that output (only `tsc` was run since the build).
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/electron/cli/mldesk.js', import.meta.url);
const bundled = new URL('../dist/cli-bundle/mldesk.js', import.meta.url);
const mtime = (url) => statSync(fileURLToPath(url), { throwIfNoEntry: false })?.mtimeMs;
const compiledTime = mtime(compiled);
if (compiledTime === undefined) {
  process.stderr.write('mldesk: the compiled CLI is missing; run `npm run build` in the MLDesk folder first.\n');
  process.exit(1);
}
const bundledTime = mtime(bundled);
await import((bundledTime !== undefined && bundledTime >= compiledTime ? bundled : compiled).href);
