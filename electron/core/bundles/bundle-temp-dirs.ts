import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIdentityAlive, ownerToken } from '../automation/process-identity.js';

/** The private data dirs bundles are opened in: `<base>/mldesk-bundle-XXXXXX`. */
export const BUNDLE_DIR_PREFIX = 'mldesk-bundle-';

/** Which process opened the bundle ("host:pid:start", process-identity.ts). */
const OWNER_FILE = '.mldesk-owner';

/** A dir with no owner file (an older MLDesk, or one killed between making it and writing the file) is left this long. */
const UNOWNED_GRACE_MS = 24 * 60 * 60 * 1000;

/** RAM-backed on Linux: where early-store-copy.ts puts them when there is room. */
export const SHM = '/dev/shm';

/** Makes a bundle's private data dir under `base`, marked with this process as its owner. */
export async function makeBundleDir(base: string): Promise<string> {
  const dir = await mkdtemp(join(base, BUNDLE_DIR_PREFIX));
  await writeFile(join(dir, OWNER_FILE), ownerToken());
  return dir;
}

/**
 * Removes the private dirs of bundles whose opening process is gone: killed, crashed, or its
 * terminal closed. Such a dir holds a whole copy of a bundle's store, and under /dev/shm that copy
 * holds RAM until the machine restarts (found with a 400 MB store: two kills, 800 MB of RAM gone).
 * A dir whose owner still runs, or whose owner this machine cannot tell (another host's), is kept.
 * Returns the dirs removed.
 */
export async function removeAbandonedBundleDirs(bases: readonly string[] = defaultBases()): Promise<string[]> {
  const removed: string[] = [];
  for (const base of new Set(bases)) {
    let names: string[];
    try {
      names = (await readdir(base)).filter((name) => name.startsWith(BUNDLE_DIR_PREFIX));
    } catch {
      continue;
    }
    for (const name of names) {
      const dir = join(base, name);
      try {
        const owner = await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => null);
        if (owner !== null ? isIdentityAlive(owner.trim()) : Date.now() - (await stat(dir)).mtimeMs < UNOWNED_GRACE_MS) continue;
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
        removed.push(dir);
      } catch {
        // Another process removing the same dir, or one we may not touch: left as it is.
      }
    }
  }
  return removed;
}

function defaultBases(): string[] {
  return process.platform === 'linux' ? [SHM, tmpdir()] : [tmpdir()];
}
