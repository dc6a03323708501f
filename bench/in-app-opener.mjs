// The desktop app's File → Open (or a double-click while the app runs), without Electron: this
// process starts as the app's main process does (electron/main/index.ts: `startServer` on the user's
// own data dir, the bundle window module loaded), then opens bundles in process the way
// bundle-windows.ts does: `startBundleServer` with port 0, the window's page loaded once it listens.
// The bench (bundle-open-bench.ts) drives it over stdin, a line a command:
//   open FILE  → prints `listening URL` once its port listens (the app's window loads the page then),
//                `opened URL` once the bundle is served, or `failed MESSAGE`
//   close      → prints `closed` once its server has stopped and its temp copy is gone
// Built code only (dist/, as the app runs it): `npm run build` first.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const homeDataDir = process.argv[2];
if (!homeDataDir) throw new Error('usage: node bench/in-app-opener.mjs HOME_DATA_DIR');
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const { startServer } = await import('../dist/electron/cli/serve-command.js');
const { startBundleServer } = await import('../dist/electron/server/bundle-server.js');
const app = await startServer({ host: '127.0.0.1', port: 0, dataDir: homeDataDir, version });
process.stdout.write('ready\n');
let bundle = null;
for await (const line of createInterface({ input: process.stdin })) {
  const [command, ...rest] = line.split(' ');
  if (command === 'open') {
    try {
      bundle = await startBundleServer({ file: rest.join(' '), homeDataDir, port: 0, version, onListening: (url) => process.stdout.write(`listening ${url}\n`) });
      process.stdout.write(`opened ${bundle.url}\n`);
    } catch (error) {
      process.stdout.write(`failed ${error.message}\n`);
    }
  } else if (command === 'close') {
    await bundle?.close();
    bundle = null;
    process.stdout.write('closed\n');
  }
}
await bundle?.close();
await app.close();
