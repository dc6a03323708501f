import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killGroup } from './process-identity.js';
import type { SpawnRequestMessage, SpawnerReply } from './spawner-protocol.js';

/** Run from sources (vitest), the spawner is the TypeScript file run through tsx; from dist/, the compiled one. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = fileURLToPath(new URL(FROM_SOURCE ? './spawner-process.ts' : './spawner-process.js', import.meta.url));

export interface SpawnRequest {
  argv: readonly string[];
  cwd: string | undefined;
  env: NodeJS.ProcessEnv;
}

export interface SpawnHandlers {
  /** The process runs; `start` is its start time (process-identity.ts), null when it already ended. */
  onStarted?(pid: number, start: string | null): void;
  onOutput(chunk: string, stream: 'stdout' | 'stderr'): void;
}

export interface SpawnResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when it never started (missing program, bad cwd): the OS's words. */
  spawnError: string | null;
  /** Set when the spawner process died while the job ran; the job's process group was killed. */
  lost: string | null;
}

interface Pending {
  spawner: ChildProcess;
  handlers: SpawnHandlers;
  pid: number | undefined;
  resolve(result: SpawnResult): void;
}

/**
 * Starts job processes through a spawner process (spawner-process.ts) instead of forking this one,
 * so the process that keeps the jobs never pays the copy-on-write faults a fork leaves behind. The
 * spawner starts on the first job and again after it dies; it ends with close() or with this
 * process. Signals go straight from here to a job's process group (same user): the spawner only
 * starts, relays output and reports the end.
 */
export class JobSpawner {
  private child: ChildProcess | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  /** The spawner's pid while one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  run(request: SpawnRequest, handlers: SpawnHandlers): Promise<SpawnResult> {
    if (this.closed) return Promise.resolve({ exitCode: null, signal: null, spawnError: 'the job spawner is closed', lost: null });
    const spawner = this.ensure();
    const id = this.nextId++;
    const message: SpawnRequestMessage = { t: 'spawn', id, argv: [...request.argv], cwd: request.cwd, env: request.env };
    return new Promise((resolve) => {
      this.pending.set(id, { spawner, handlers, pid: undefined, resolve });
      if (this.pending.size === 1) spawner.channel?.ref();
      // A spawner that died before reading this is reported by its 'exit', which ends every job sent to it.
      spawner.send(message, () => undefined);
    });
  }

  /** Lets the spawner exit; jobs still running through it end 'lost' and their groups are killed. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.connected) child.disconnect();
    await exited;
  }

  private ensure(): ChildProcess {
    if (this.child) return this.child;
    const child = fork(ENTRY, [], {
      // Under Electron, process.execPath is the app: this makes it a plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      // Not this process's flags (a loader, Electron's switches): the spawner stays minimal.
      execArgv: FROM_SOURCE ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    // Only running jobs keep this process alive, as their own processes did when it forked them.
    child.unref();
    child.channel?.unref();
    child.on('message', (reply: SpawnerReply) => this.onReply(reply));
    child.on('error', () => {
      // Failing to start is reported by 'exit' (or below, when there never was a process).
      if (child.pid === undefined) this.lose(child, 'the job spawner process could not start');
    });
    child.once('exit', (code, signal) => {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.lose(child, `the job spawner process (pid ${child.pid}) ${how} while the job ran`);
    });
    return child;
  }

  private onReply(reply: SpawnerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    switch (reply.t) {
      case 'started':
        pending.pid = reply.pid;
        pending.handlers.onStarted?.(reply.pid, reply.start);
        break;
      case 'out':
        pending.handlers.onOutput(reply.chunk, reply.stream);
        break;
      case 'error':
        this.settle(reply.id, pending, { exitCode: null, signal: null, spawnError: reply.message, lost: null });
        break;
      case 'close':
        this.settle(reply.id, pending, { exitCode: reply.code, signal: reply.signal, spawnError: null, lost: null });
        break;
    }
  }

  private settle(id: number, pending: Pending, result: SpawnResult): void {
    this.pending.delete(id);
    if (this.pending.size === 0) pending.spawner.channel?.unref();
    pending.resolve(result);
  }

  /** The spawner is gone: its jobs' groups are killed (nothing would report their end) and they end lost. */
  private lose(child: ChildProcess, reason: string): void {
    if (this.child === child) this.child = null;
    for (const [id, pending] of this.pending) {
      if (pending.spawner !== child) continue;
      if (pending.pid !== undefined) killGroup(pending.pid, 'SIGKILL');
      this.settle(id, pending, { exitCode: null, signal: null, spawnError: null, lost: reason });
    }
  }
}
