import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcessGroup } from './process-group.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('runInProcessGroup', () => {
  it('SIGKILLs a group that ignores SIGTERM once the grace period is over', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'group-'));
    const abort = new AbortController();
    let output = '';
    // The leader and its background child both ignore SIGTERM.
    const command = `trap '' TERM; (trap '' TERM; sleep 300) & echo $! > child.pid; echo ready; while true; do sleep 1; done`;
    const started = Date.now();
    const exit = runInProcessGroup({
      command,
      cwd: dir,
      env: process.env,
      stdoutFile: join(dir, 'out.txt'),
      stderrFile: join(dir, 'err.txt'),
      onOutput: (chunk) => (output += chunk),
      signal: abort.signal,
      graceMs: 500,
    });
    await waitFor(() => output.includes('ready'));
    const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    expect(alive(child)).toBe(true);
    abort.abort('test');
    const result = await exit;
    expect(result).toMatchObject({ aborted: true, signal: 'SIGKILL', spawnError: null });
    expect(Date.now() - started).toBeLessThan(20_000);
    await waitFor(() => !alive(child));
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('ready\n');
  });

  it('ends what the command left running in the background when it exits', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'group-'));
    const result = await runInProcessGroup({
      command: 'sleep 300 & echo $! > child.pid; exit 3',
      cwd: dir,
      env: process.env,
      stdoutFile: join(dir, 'out.txt'),
      stderrFile: join(dir, 'err.txt'),
      onOutput: () => undefined,
      signal: new AbortController().signal,
    });
    expect(result).toEqual({ exitCode: 3, signal: null, aborted: false, spawnError: null });
    const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    await waitFor(() => !alive(child));
  });
});
