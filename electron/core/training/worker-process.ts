import { fork } from 'node:child_process';
import type { ParentMessage } from './messages.js';

/**
 * The training child process as training-run.ts needs it. Under the CLI and `mldesk serve` it is a
 * child_process.fork; the Electron app installs a launcher built on utilityProcess (fork there
 * would need ELECTRON_RUN_AS_NODE, which the app's fuses turn off).
 */
export interface WorkerProcess {
  readonly pid: number | undefined;
  readonly stderr: NodeJS.ReadableStream | null;
  send(message: ParentMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process has exited (and its pipes are closed, where it has any). */
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  isRunning(): boolean;
  kill(): void;
}

export type WorkerLauncher = (workerPath: string, options: { captureStdout: boolean }) => WorkerProcess;

export const forkLauncher: WorkerLauncher = (workerPath, { captureStdout }) => {
  // Advanced serialisation passes in-memory tables (typed arrays, nulls) without a JSON detour;
  // an empty execArgv keeps a test runner's loaders and inspector flags out of the child.
  const child = fork(workerPath, [], { stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'pipe', 'ipc'], execArgv: [], serialization: 'advanced' });
  child.stdout?.resume();
  let exitListener: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  let spawnError = '';
  // A failed spawn also ends in 'close'; without a listener the error would crash the caller.
  child.on('error', (error) => (spawnError += `\n${error.message}`));
  child.once('close', (code, signal) => {
    if (spawnError) child.stderr?.emit('data', Buffer.from(spawnError));
    exitListener?.(code, signal);
  });
  return {
    pid: child.pid,
    stderr: child.stderr,
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => (exitListener = listener),
    isRunning: () => child.exitCode === null && child.signalCode === null,
    kill: () => child.kill('SIGKILL'),
  };
};

let defaultLauncher: WorkerLauncher = forkLauncher;

/** The Electron main process calls this once with its utilityProcess launcher. */
export function setDefaultWorkerLauncher(launcher: WorkerLauncher): void {
  defaultLauncher = launcher;
}

export function launchWorker(workerPath: string, options: { captureStdout: boolean }): WorkerProcess {
  return defaultLauncher(workerPath, options);
}
