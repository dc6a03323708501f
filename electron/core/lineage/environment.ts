/**
 * The environment side of a run's lineage: the machine, the runtimes, MLDesk's own dependency
 * lock, and the TF.js backend training used. Collected in the process that trains (the worker),
 * so the versions are the ones that computed the run; a reproducibility check collects the same
 * figures here to compare.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvironmentLineage, Gpu } from '../../../shared/lineage.js';
import type { BackendInfo } from '../training/backend.js';

/** Everything but the backend: known before TF.js is loaded. */
export type HostEnvironment = Omit<EnvironmentLineage, 'tfjs' | 'backend' | 'backendEngine' | 'backendDetails'>;

/** GPUs as nvidia-smi lists them; none when it is missing or fails (no NVIDIA driver). */
export function queryGpus(timeoutMs = 3000): Promise<Gpu[]> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { timeout: timeoutMs, windowsHide: true }, (error, stdout) => {
      if (error) return resolve([]);
      const gpus: Gpu[] = [];
      for (const line of stdout.split('\n')) {
        const parts = line.split(',').map((part) => part.trim());
        if (parts.length < 3 || parts[0] === '') continue;
        gpus.push({ name: parts.slice(0, parts.length - 2).join(', '), driver: parts.at(-2)!, memory: parts.at(-1)! });
      }
      resolve(gpus);
    });
  });
}

interface MldeskPackage {
  version: string | null;
  lockfile: string | null;
}

let found: MldeskPackage | undefined;

/**
 * MLDesk's own package.json (the one named "mldesk" found walking up from this module, which
 * works from the sources, from dist/ and from an unpacked app alike) and the lock beside it.
 */
export function mldeskPackage(): MldeskPackage {
  if (found) return found;
  found = { version: null, lockfile: null };
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const json = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
        if (json.name === 'mldesk') {
          const lock = join(dir, 'package-lock.json');
          found = { version: json.version ?? null, lockfile: existsSync(lock) ? lock : null };
          break;
        }
      } catch {
        // An unreadable package.json on the way up is not ours: keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return found;
}

export async function packageLockSha256(): Promise<string | null> {
  const path = mldeskPackage().lockfile;
  if (path === null) return null;
  try {
    return createHash('sha256').update(await readFile(path)).digest('hex');
  } catch {
    return null;
  }
}

export async function collectHostEnvironment(): Promise<HostEnvironment> {
  const cpuList = cpus();
  const [gpus, lock] = await Promise.all([queryGpus(), packageLockSha256()]);
  return {
    os: platform(),
    osRelease: release(),
    arch: arch(),
    cpuModel: cpuList[0]?.model.trim() || 'unknown',
    cpuCores: cpuList.length,
    totalMemoryBytes: totalmem(),
    gpus,
    node: process.versions.node,
    electron: process.versions.electron ?? null,
    mldesk: mldeskPackage().version,
    packageLockSha256: lock,
  };
}

export function environmentWithBackend(host: HostEnvironment, backend: BackendInfo): EnvironmentLineage {
  return { ...host, tfjs: backend.tfVersion, backend: backend.name, backendEngine: backend.engine, backendDetails: backend.details };
}
