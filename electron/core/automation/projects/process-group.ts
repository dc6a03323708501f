/**
 * Runs a filled project command with bash (as MLflow does: `bash -c COMMAND`) in its own process
 * group, so cancelling reaches every process it started (a Python script's data loaders, a shell
 * pipeline): SIGTERM to the group, SIGKILL after a grace period.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { killGroup } from '../process-identity.js';

export interface GroupRun {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdoutFile: string;
  stderrFile: string;
  onOutput(chunk: string, stream: 'stdout' | 'stderr'): void;
  onStarted?(pid: number): void;
  signal: AbortSignal;
  /** Between SIGTERM and SIGKILL when aborted. */
  graceMs?: number;
}

export interface GroupExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  aborted: boolean;
  /** The process could not be started at all. */
  spawnError: string | null;
}

const DEFAULT_GRACE_MS = 5000;

function closeFile(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}

export async function runInProcessGroup(run: GroupRun): Promise<GroupExit> {
  const files = { stdout: createWriteStream(run.stdoutFile), stderr: createWriteStream(run.stderrFile) };
  const exit = await new Promise<GroupExit>((resolve) => {
    if (run.signal.aborted) {
      resolve({ exitCode: null, signal: null, aborted: true, spawnError: null });
      return;
    }
    const child = spawn('bash', ['-c', run.command], { cwd: run.cwd, env: run.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      aborted = true;
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => killGroup(child.pid!, 'SIGKILL'), run.graceMs ?? DEFAULT_GRACE_MS);
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].on('data', (chunk: Buffer) => {
        files[stream].write(chunk);
        run.onOutput(chunk.toString('utf8'), stream);
      });
    }
    child.once('spawn', () => {
      if (child.pid !== undefined) run.onStarted?.(child.pid);
      run.signal.addEventListener('abort', onAbort, { once: true });
    });
    child.once('error', (error) => {
      run.signal.removeEventListener('abort', onAbort);
      resolve({ exitCode: null, signal: null, aborted: false, spawnError: error.message });
    });
    child.once('exit', () => {
      // The leader is gone; what it left behind in its group (a backgrounded grandchild holding
      // the output pipes) ends with it, or the run would never end.
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => killGroup(child.pid!, 'SIGKILL'), run.graceMs ?? DEFAULT_GRACE_MS);
    });
    child.once('close', (code, signal) => {
      run.signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      // One that ignored SIGTERM without holding the pipes goes now.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      resolve({ exitCode: code, signal, aborted, spawnError: null });
    });
  });
  await Promise.all([closeFile(files.stdout), closeFile(files.stderr)]);
  return exit;
}
