import { utilityProcess } from 'electron';
import type { WorkerLauncher } from '../core/training/worker-process.js';

/**
 * Training workers in the desktop app run as Electron utility processes: Node without the
 * ELECTRON_RUN_AS_NODE fuse that child_process.fork would need. The worker entry reads its messages
 * from process.parentPort there (see train-worker.ts).
 */
export const utilityLauncher: WorkerLauncher = (workerPath, { captureStdout }) => {
  const child = utilityProcess.fork(workerPath, [], { stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'pipe'], serviceName: 'MLDesk training' });
  let running = true;
  let exitListener: ((code: number | null, signal: NodeJS.Signals | null) => void) | undefined;
  child.stdout?.resume();
  child.once('exit', (code) => {
    running = false;
    exitListener?.(code, null);
  });
  return {
    get pid() {
      return child.pid;
    },
    stderr: child.stderr,
    send: (message) => {
      if (running) child.postMessage(message);
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => (exitListener = listener),
    isRunning: () => running,
    kill: () => {
      child.kill();
    },
  };
};
