#!/usr/bin/env node
// `npm start`: opens the Electron app where its binary exists; elsewhere serves the same UI to a
// browser on 127.0.0.1, so `npm install && npm start` always gives a working app.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
let electronBinary = null;
try {
  const candidate = require('electron');
  if (typeof candidate === 'string' && existsSync(candidate)) electronBinary = candidate;
} catch {
  // electron is an optional dependency: absent where its binary could not be downloaded.
}

const mainEntry = fileURLToPath(new URL('../dist/electron/main/index.js', import.meta.url));
const cli = fileURLToPath(new URL('./mldesk.js', import.meta.url));
const extra = process.argv.slice(2);
const child = electronBinary
  ? spawn(electronBinary, [mainEntry, ...extra], { stdio: 'inherit' })
  : (console.log('mldesk: no Electron binary on this machine; serving the MLDesk UI instead: open the address printed below in your browser.'),
    spawn(process.execPath, [cli, 'serve', '--host', '127.0.0.1', ...(extra.length ? extra : ['--port', process.env.PORT ?? '5000'])], {
      stdio: 'inherit',
    }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
