// Electron's own install script downloads its binary, which fails where the network only reaches the
// npm registry; npm then drops the optional `electron` package and with it electron.d.ts. This
// postinstall step fetches just the package tarball from the registry (no install script runs) and
// keeps its type definitions, so electron/main typechecks on every machine. Where Electron installed
// normally it does nothing.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// tsconfig.json maps `electron` to the package's own types, else to this copy. It lives outside
// node_modules/@types because npm prunes folders there that no package.json lists.
const target = join(root, 'node_modules', '.cache', 'mldesk-electron-types');
if (existsSync(join(root, 'node_modules', 'electron', 'electron.d.ts'))) {
  rmSync(target, { recursive: true, force: true });
  process.exit(0);
}
const range = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).optionalDependencies.electron;
if (existsSync(join(target, 'index.d.ts')) && readFileSync(join(target, 'range.txt'), 'utf8') === range) process.exit(0);

const work = mkdtempSync(join(tmpdir(), 'mldesk-electron-types-'));
try {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const output = execFileSync(npm, ['pack', `electron@${range}`, '--pack-destination', work, '--json', '--ignore-scripts'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tarball = join(work, JSON.parse(output)[0].filename);
  execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/electron.d.ts']);
  mkdirSync(target, { recursive: true });
  copyFileSync(join(work, 'package', 'electron.d.ts'), join(target, 'index.d.ts'));
  writeFileSync(join(target, 'range.txt'), range);
  console.log(`mldesk: Electron binary not installed here; fetched Electron ${range} type definitions for typechecking.`);
} catch (error) {
  console.warn(`mldesk: could not fetch Electron type definitions (${error.message}); electron/main will not typecheck.`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
