import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { identityOf, ownerToken } from '../automation/process-identity.js';
import { BUNDLE_DIR_PREFIX, makeBundleDir, removeAbandonedBundleDirs } from './bundle-temp-dirs.js';

describe('bundle temp dirs', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'mldesk-temp-dirs-'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  /** A dir as an opening process leaves it: the owner file and a store copy. */
  const dirOwnedBy = (name: string, owner: string | null) => {
    const dir = join(base, `${BUNDLE_DIR_PREFIX}${name}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'mldesk.db'), Buffer.alloc(4096));
    if (owner !== null) writeFileSync(join(dir, '.mldesk-owner'), owner);
    return dir;
  };

  it('marks a new dir with this process as its owner', async () => {
    const dir = await makeBundleDir(base);
    expect(dir.startsWith(join(base, BUNDLE_DIR_PREFIX))).toBe(true);
    expect(readFileSync(join(dir, '.mldesk-owner'), 'utf8')).toBe(ownerToken());
    expect(await removeAbandonedBundleDirs([base]), 'its owner runs').toEqual([]);
  });

  it('removes the dirs of processes that are gone, and keeps those of running, foreign and recent unowned ones', async () => {
    const living = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const dead = spawnSync(process.execPath, ['-e', 'console.log(require("fs").readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ")[19])'], { encoding: 'utf8' });
      const deadOwner = `${hostname()}:${dead.pid}:${dead.stdout.trim()}`;
      await new Promise((resolve) => setTimeout(resolve, 100));
      const livingOwner = identityOf(living.pid!)!;
      const killed = dirOwnedBy('killed', deadOwner);
      // The same pid reused by another process later: its start time differs, so the owner is gone.
      const reused = dirOwnedBy('reused', `${hostname()}:${living.pid}:1`);
      const running = dirOwnedBy('running', livingOwner);
      const foreign = dirOwnedBy('foreign', 'another-host:1234:5678');
      const unownedRecent = dirOwnedBy('unowned-recent', null);
      const unownedOld = dirOwnedBy('unowned-old', null);
      const twoDaysAgo = (Date.now() - 2 * 24 * 3600 * 1000) / 1000;
      utimesSync(unownedOld, twoDaysAgo, twoDaysAgo);
      const other = join(base, 'not-a-bundle-dir');
      mkdirSync(other);

      const removed = await removeAbandonedBundleDirs([base]);
      expect(removed.sort()).toEqual([killed, reused, unownedOld].sort());
      for (const dir of removed) expect(existsSync(dir)).toBe(false);
      for (const dir of [running, foreign, unownedRecent, other]) expect(existsSync(dir), dir).toBe(true);
    } finally {
      living.kill('SIGKILL');
    }
  });

  it('skips a base that does not exist', async () => {
    expect(await removeAbandonedBundleDirs([join(base, 'missing')])).toEqual([]);
  });
});
