/**
 * What serving a handoff package needs at runtime, read from MLDesk's package-lock.json: the npm
 * packages `mldesk serve-model` loads (SERVING_PACKAGES) and everything they depend on. The SBOM,
 * the Dockerfile's package.json and the image size figure are all derived from this one list.
 */
import { existsSync, readFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MLDeskError } from '../errors.js';
import { mldeskPackage } from '../lineage/environment.js';

/**
 * The packages `mldesk serve-model --package` imports (its command module, every module it loads,
 * the CLI's entry): package-runtime.test.ts walks the sources and fails when this list misses one.
 * The optional native TF.js backends (tfjs-node) are left out: the image scores on wasm or cpu.
 */
export const SERVING_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  'better-sqlite3',
  'commander',
  'csv-parse',
  'fastify',
  'prom-client',
  'simple-statistics',
  'uuid',
  'yauzl',
  'yaml',
  'yazl',
  'zod',
] as const;

export interface LockPackage {
  /** `node_modules/…` path in the lock (and on disk under the project). */
  lockPath: string;
  name: string;
  version: string;
  integrity: string | null;
  license: string | null;
  /** lockPaths of the packages it depends on (installed ones). */
  dependsOn: string[];
}

interface LockEntry {
  version?: string;
  integrity?: string;
  license?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  dev?: boolean;
  link?: boolean;
}

export interface RuntimeClosure {
  mldeskVersion: string;
  /** The lock file the versions come from (null: MLDesk runs without one, e.g. a stripped install). */
  lockfile: string;
  roots: LockPackage[];
  packages: LockPackage[];
  /** The lock's own entries of `packages`, by lockPath, as npm wrote them. */
  lockEntries: Record<string, Record<string, unknown>>;
}

const nameOf = (lockPath: string) => lockPath.slice(lockPath.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** Node's lookup: `<from>/node_modules/<dep>`, then each enclosing node_modules, then the top. */
function resolveDep(entries: Record<string, LockEntry>, from: string, dep: string): string | null {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${dep}` : `${base}/node_modules/${dep}`;
    if (entries[candidate]) return candidate;
    if (base === '') return null;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

/** SERVING_PACKAGES and their dependencies (installed optional ones included), from the lock. */
export function runtimeClosure(lockfile = mldeskPackage().lockfile): RuntimeClosure {
  if (lockfile === null) throw new MLDeskError('INVALID_STATE', "MLDesk's package-lock.json was not found beside its package.json: a package's SBOM and Dockerfile are made from it.");
  const lock = JSON.parse(readFileSync(lockfile, 'utf8')) as { packages?: Record<string, LockEntry> };
  const entries = lock.packages ?? {};
  const found = new Map<string, LockPackage>();
  const visit = (lockPath: string): void => {
    if (found.has(lockPath)) return;
    const entry = entries[lockPath]!;
    const pkg: LockPackage = { lockPath, name: nameOf(lockPath), version: entry.version ?? '0.0.0', integrity: entry.integrity ?? null, license: entry.license ?? null, dependsOn: [] };
    found.set(lockPath, pkg);
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const resolved = resolveDep(entries, lockPath, dep);
      // An optional dependency for another platform is not installed (and not in the lock's tree).
      if (resolved === null) continue;
      pkg.dependsOn.push(resolved);
      visit(resolved);
    }
  };
  const roots = SERVING_PACKAGES.map((name) => {
    const lockPath = `node_modules/${name}`;
    if (!entries[lockPath]) throw new MLDeskError('INVALID_STATE', `MLDesk's package-lock.json has no ${name}, which serving needs.`);
    visit(lockPath);
    return found.get(lockPath)!;
  });
  const root = entries[''] as LockEntry | undefined;
  const packages = [...found.values()].sort((a, b) => a.lockPath.localeCompare(b.lockPath));
  const lockEntries = Object.fromEntries(packages.map((pkg) => [pkg.lockPath, entries[pkg.lockPath] as Record<string, unknown>]));
  return { mldeskVersion: mldeskPackage().version ?? root?.version ?? '0.0.0', lockfile, roots, packages, lockEntries };
}

/** The package.json the Dockerfile installs: only the serving packages, at the lock's exact versions. */
export function runtimePackageJson(closure: RuntimeClosure): string {
  const dependencies = Object.fromEntries(closure.roots.map((pkg) => [pkg.name, pkg.version]));
  const json = { name: 'mldesk', version: closure.mldeskVersion, private: true, type: 'module', bin: { mldesk: 'bin/mldesk.js' }, engines: { node: '>=20.19' }, dependencies };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/**
 * A package-lock.json of the serving runtime alone (npm's lockfile v3: the runtime entries of
 * MLDesk's lock, unchanged but for dev markers), so `npm ci` in the image installs exactly the
 * versions and bytes (integrity) the SBOM lists.
 */
export function runtimeLockfile(closure: RuntimeClosure): string {
  const root = JSON.parse(runtimePackageJson(closure)) as { name: string; version: string; dependencies: Record<string, string>; engines: Record<string, string> };
  const packages: Record<string, unknown> = { '': { name: root.name, version: root.version, dependencies: root.dependencies, engines: root.engines } };
  for (const pkg of closure.packages) {
    const { dev: _dev, devOptional: _devOptional, ...entry } = closure.lockEntries[pkg.lockPath]!;
    packages[pkg.lockPath] = entry;
  }
  return `${JSON.stringify({ name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`;
}

async function diskBytes(path: string, skip: (path: string) => boolean = () => false): Promise<number> {
  const info = await lstat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const name of await readdir(path)) {
    const child = join(path, name);
    if (!skip(child)) total += await diskBytes(child, skip);
  }
  return total;
}

export interface ImageCopySize {
  /** The runtime packages' files (each counted once, nested node_modules with their own entry). */
  nodeModulesBytes: number;
  /** MLDesk's bin/ and compiled dist/electron + dist/shared. */
  mldeskBytes: number;
  packageBytes: number;
  totalBytes: number;
}

/**
 * The bytes the Dockerfile puts on top of node:20-bookworm-slim: the runtime packages as installed
 * here (what `npm install` of docker/package.json lays out), MLDesk's compiled code and the package.
 */
export async function imageCopySize(closure: RuntimeClosure, packageFile: string): Promise<ImageCopySize> {
  const projectRoot = dirname(closure.lockfile);
  let nodeModulesBytes = 0;
  for (const pkg of closure.packages) {
    const dir = join(projectRoot, pkg.lockPath);
    // A nested node_modules holds packages of its own, counted by their own entries.
    if (existsSync(dir)) nodeModulesBytes += await diskBytes(dir, (path) => path === join(dir, 'node_modules'));
  }
  let mldeskBytes = 0;
  for (const part of ['bin', 'dist/electron', 'dist/shared']) {
    const dir = join(projectRoot, part);
    if (existsSync(dir)) mldeskBytes += await diskBytes(dir);
  }
  const packageBytes = (await lstat(packageFile)).size;
  return { nodeModulesBytes, mldeskBytes, packageBytes, totalBytes: nodeModulesBytes + mldeskBytes + packageBytes };
}
