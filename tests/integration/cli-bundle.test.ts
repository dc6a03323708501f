import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundleDir = join(root, 'dist/cli-bundle');

describe('the bundled CLI (dist/cli-bundle, scripts/bundle-cli.js)', () => {
  let work: string | undefined;
  afterEach(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    work = undefined;
  });

  it('points every module-relative URL at a file the build wrote (worker scripts, the UI, resources, package.json)', () => {
    const urls = new Set<string>();
    for (const file of readdirSync(bundleDir).filter((name) => name.endsWith('.js'))) {
      for (const match of readFileSync(join(bundleDir, file), 'utf8').matchAll(/new URL\("(\.\.\/[^"]+)", import\.meta\.url\)\.href/g)) urls.add(match[1]!);
    }
    // The modules that find files beside themselves: the UI folder, workers, package.json, the CLI itself.
    expect(urls.size).toBeGreaterThanOrEqual(10);
    for (const url of urls) expect(() => readFileSync(join(bundleDir, url)), url).not.toThrow();
    // Each of those modules' own relative lookups resolve as they did unbundled, e.g. the UI and a worker.
    const cli = execFileSync(process.execPath, [join(root, 'bin/mldesk.js'), '--version'], { encoding: 'utf8' });
    expect(cli.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });

  it('bin/mldesk.js runs the bundle, and the tsc output when the bundle is missing or older than it', () => {
    work = mkdtempSync(join(tmpdir(), 'mldesk-bin-'));
    mkdirSync(join(work, 'bin'));
    mkdirSync(join(work, 'dist/electron/cli'), { recursive: true });
    mkdirSync(join(work, 'dist/cli-bundle'));
    copyFileSync(join(root, 'bin/mldesk.js'), join(work, 'bin/mldesk.js'));
    writeFileSync(join(work, 'package.json'), '{"type":"module"}');
    const compiled = join(work, 'dist/electron/cli/mldesk.js');
    const bundled = join(work, 'dist/cli-bundle/mldesk.js');
    writeFileSync(compiled, "process.stdout.write('compiled');\n");
    const run = () => spawnSync(process.execPath, [join(work!, 'bin/mldesk.js')], { encoding: 'utf8' });

    expect(run().stdout).toBe('compiled');
    writeFileSync(bundled, "process.stdout.write('bundled');\n");
    const now = Date.now() / 1000;
    utimesSync(compiled, now - 60, now - 60);
    utimesSync(bundled, now, now);
    expect(run().stdout).toBe('bundled');
    // `tsc` alone rebuilt dist after the bundle: the bundle is stale and is not used.
    utimesSync(compiled, now + 60, now + 60);
    expect(run().stdout).toBe('compiled');
    rmSync(compiled);
    const missing = run();
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('run `npm run build`');
  });
});
