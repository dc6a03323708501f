#!/usr/bin/env node
// Entry point of the `mldesk` command: runs the compiled CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/electron/cli/mldesk.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('mldesk: the compiled CLI is missing; run `npm run build` in the MLDesk folder first.\n');
  process.exit(1);
}
await import(cli.href);
