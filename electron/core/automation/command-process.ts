import { spawn } from 'node:child_process';
import type { JobSpawner } from './job-spawner.js';
import { killGroup } from './process-identity.js';

export interface CommandOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the abort signal stopped it. */
  abortedWith: string | null;
  /** Set when it never started (missing program, bad cwd). */
  spawnError: string | null;
  /** Set when the spawner process died while it ran (its group was killed). */
  lost?: string | null;
}

export interface CommandOptions {
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  onOutput(chunk: string, stream: 'stdout' | 'stderr'): void;
  onStarted?(pid: number): void;
  /** How long SIGTERM gets before the group is SIGKILLed. */
  graceMs?: number;
  /** Start it through this spawner process rather than forking this one (see spawner-process.ts). */
  spawner?: JobSpawner;
}

/**
 * Runs a job's process as the leader of its own process group, so a cancel (or the end of the
 * job) reaches every process it started, grandchildren included, not just the direct child.
 */
export function runCommand(options: CommandOptions): Promise<CommandOutcome> {
  const [program, ...args] = options.argv;
  return new Promise((resolve) => {
    if (options.signal.aborted) {
      resolve({ exitCode: null, signal: null, abortedWith: String(options.signal.reason ?? 'cancelled'), spawnError: null });
      return;
    }
    if (options.spawner) {
      resolve(runThroughSpawner(options.spawner, options));
      return;
    }
    const child = spawn(program!, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let abortedWith: string | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (abortedWith !== null || child.pid === undefined) return;
      abortedWith = String(options.signal.reason ?? 'cancelled');
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), options.graceMs ?? 2000);
    };
    child.once('spawn', () => {
      options.onStarted?.(child.pid!);
      options.signal.addEventListener('abort', onAbort, { once: true });
    });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => options.onOutput(chunk, 'stdout'));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => options.onOutput(chunk, 'stderr'));
    child.once('error', (error) => {
      options.signal.removeEventListener('abort', onAbort);
      resolve({ exitCode: null, signal: null, abortedWith: null, spawnError: `could not start ${program}: ${error.message}` });
    });
    let exit: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // Whatever the job left behind in its group (stuck grandchildren holding its pipes) goes with it.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    });
    child.once('close', () => {
      options.signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      resolve({ exitCode: exit.code, signal: exit.signal, abortedWith, spawnError: null });
    });
  });
}

async function runThroughSpawner(spawner: JobSpawner, options: CommandOptions): Promise<CommandOutcome> {
  const program = options.argv[0];
  let pid: number | undefined;
  let abortedWith: string | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    if (abortedWith !== null || pid === undefined) return;
    const group = pid;
    abortedWith = String(options.signal.reason ?? 'cancelled');
    killGroup(group, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(group, 'SIGKILL'), options.graceMs ?? 2000);
  };
  const result = await spawner.run(
    { argv: options.argv, cwd: options.cwd, env: options.env },
    {
      onStarted(started) {
        pid = started;
        options.onStarted?.(started);
        options.signal.addEventListener('abort', onAbort, { once: true });
        // Aborted while the spawner was starting it.
        if (options.signal.aborted) onAbort();
      },
      onOutput: options.onOutput,
    },
  );
  options.signal.removeEventListener('abort', onAbort);
  clearTimeout(killTimer);
  if (result.spawnError !== null) return { exitCode: null, signal: null, abortedWith: null, spawnError: `could not start ${program}: ${result.spawnError}` };
  return { exitCode: result.exitCode, signal: result.signal, abortedWith, spawnError: null, lost: result.lost };
}
