import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { imageCopySize, runtimeClosure, runtimeLockfile, runtimePackageJson, SERVING_PACKAGES } from './package-runtime.js';
import { cycloneDxSbom, npmPurl } from './package-sbom.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Native TF.js backends are optional: the image scores with wasm or cpu. */
const OPTIONAL = new Set(['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']);
const temps: string[] = [];

afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

/** The npm packages a module graph imports, following static and dynamic imports of our own `.js` (sources in .ts). */
function bareImports(entries: string[], followDynamic: (file: string) => boolean): Set<string> {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const stack = entries.map((e) => join(ROOT, e));
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const staticImports = [...source.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].filter((m) => !/^import\s+type\s/.test(m[0])).map((m) => m[1]!);
    // import('x'), and require('x') through a createRequire (how the CommonJS tfjs bundles are loaded).
    const dynamic = followDynamic(file) ? [...source.matchAll(/(?:\bimport|\b[rR]equire\w*)\('([^']+)'\)/g)].map((m) => m[1]!) : [];
    for (const spec of [...staticImports, ...dynamic]) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        if (existsSync(target)) stack.push(target);
      } else if (!spec.startsWith('node:')) {
        bare.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
  }
  return bare;
}

describe('the serving runtime', () => {
  it('SERVING_PACKAGES names every npm package `mldesk serve-model --package` imports', () => {
    // The CLI entry's static graph is loaded for every command; serve-model's lazy imports only for it.
    const used = bareImports(['electron/cli/mldesk.ts', 'electron/cli/serve-model-command.ts'], (file) => !file.endsWith(join('cli', 'mldesk.ts')) && !/cli\/(?!serve-model)/.test(file));
    const missing = [...used].filter((name) => !OPTIONAL.has(name) && !(SERVING_PACKAGES as readonly string[]).includes(name));
    expect(missing).toEqual([]);
    expect(used.has('fastify')).toBe(true);
  });

  it('closes over the lock file: every dependency installed, each once, none of the UI or build tools', () => {
    const closure = runtimeClosure(join(ROOT, 'package-lock.json'));
    const names = new Set(closure.packages.map((p) => p.name));
    for (const root of SERVING_PACKAGES) expect(names.has(root), root).toBe(true);
    expect(names.has('avvio')).toBe(true); // fastify's
    for (const ui of ['react', 'recharts', 'vite', 'electron', 'typescript']) expect(names.has(ui), ui).toBe(false);
    expect(new Set(closure.packages.map((p) => p.lockPath)).size).toBe(closure.packages.length);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    for (const pkg of closure.packages) expect(pkg.version).toBe(lock.packages[pkg.lockPath]!.version);
    expect(JSON.parse(runtimePackageJson(closure))).toMatchObject({ type: 'module', dependencies: { zod: lock.packages['node_modules/zod']!.version } });
  });

  it('writes the image a lock file of the runtime alone, in step with its package.json (npm ci installs exactly the SBOM)', () => {
    const closure = runtimeClosure(join(ROOT, 'package-lock.json'));
    const lock = JSON.parse(runtimeLockfile(closure)) as { lockfileVersion: number; packages: Record<string, { version?: string; integrity?: string; dev?: boolean; dependencies?: Record<string, string> }> };
    const manifest = JSON.parse(runtimePackageJson(closure)) as { dependencies: Record<string, string> };
    expect(lock.lockfileVersion).toBe(3);
    expect(lock.packages['']!.dependencies).toEqual(manifest.dependencies);
    expect(Object.keys(lock.packages).length).toBe(closure.packages.length + 1);
    for (const pkg of closure.packages) {
      const entry = lock.packages[pkg.lockPath]!;
      expect(entry.version).toBe(pkg.version);
      expect(entry.integrity, pkg.lockPath).toMatch(/^sha\d+-/);
      expect(entry.dev).toBeUndefined();
    }
  });

  it('writes a CycloneDX 1.5 SBOM whose components carry purls, hashes and a dependency graph', () => {
    const closure = runtimeClosure(join(ROOT, 'package-lock.json'));
    const bom = JSON.parse(cycloneDxSbom(closure, { name: 'm', version: '2', weightsSha256: 'ab'.repeat(32) })) as {
      bomFormat: string;
      specVersion: string;
      serialNumber: string;
      metadata: { component: { type: string } };
      components: Array<{ 'bom-ref': string; purl: string; hashes?: Array<{ alg: string; content: string }> }>;
      dependencies: Array<{ ref: string; dependsOn: string[] }>;
    };
    expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.5', metadata: { component: { type: 'machine-learning-model' } } });
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    const refs = new Set(bom.components.map((c) => c['bom-ref']));
    expect(refs.size).toBe(bom.components.length);
    for (const dep of bom.dependencies) for (const target of dep.dependsOn) expect(refs.has(target), target).toBe(true);
    const fastify = bom.components.find((c) => c.purl.startsWith('pkg:npm/fastify@'))!;
    expect(fastify.hashes?.[0]).toMatchObject({ alg: 'SHA-512', content: expect.stringMatching(/^[0-9a-f]{128}$/) });
    expect(npmPurl('@tensorflow/tfjs', '4.22.0')).toBe('pkg:npm/%40tensorflow/tfjs@4.22.0');
  });

  it('measures what the Dockerfile copies onto the slim Node image', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mldesk-size-'));
    temps.push(dir);
    const file = join(dir, 'm-1.mldesk-package');
    await writeFile(file, Buffer.alloc(40_000));
    const size = await imageCopySize(runtimeClosure(join(ROOT, 'package-lock.json')), file);
    expect(size.packageBytes).toBe(40_000);
    expect(size.nodeModulesBytes).toBeGreaterThan(10 * 1024 ** 2);
    expect(size.totalBytes).toBe(size.nodeModulesBytes + size.mldeskBytes + size.packageBytes);
    process.stdout.write(`image copy: node_modules ${(size.nodeModulesBytes / 1024 ** 2).toFixed(1)} MiB, mldesk ${(size.mldeskBytes / 1024 ** 2).toFixed(1)} MiB\n`);
  });
});
