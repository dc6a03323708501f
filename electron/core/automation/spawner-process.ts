/**
 * The job spawner: a small long-lived Node process that starts job processes for the process that
 * keeps the jobs (job-spawner.ts), the way Chromium's zygote or Ray's raylet start workers. Forking
 * write-protects every page of the forking process until it is written again, and each such page
 * faults once (~20 µs here); done from the app, that made the pool's few database writes between
 * two jobs cost ten times their price. From this process, with a heap a fraction of the app's, the
 * faults are few and land where nothing waits on them.
 *
 * It loads nothing from the app beyond process-identity.ts (Node built-ins only), keeps no state
 * but the processes it started, and exits when its parent goes (IPC disconnect): the job processes
 * it leaves keep running, with pid and identity already recorded, for restart recovery to judge.
 */
import { spawn } from 'node:child_process';
import { killGroup, processStartTime } from './process-identity.js';
import type { SpawnRequestMessage, SpawnerReply } from './spawner-protocol.js';

function send(reply: SpawnerReply): void {
  // A parent gone mid-job is handled by 'disconnect' below; nothing is left to tell.
  if (process.connected) process.send!(reply);
}

function start(request: SpawnRequestMessage): void {
  const { id } = request;
  const [file, ...args] = request.argv;
  let child;
  try {
    // Its own process group, so a cancel reaches grandchildren (a shell's children, a trainer's workers).
    child = spawn(file ?? '', args, { cwd: request.cwd, env: request.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    send({ t: 'error', id, message: error instanceof Error ? error.message : String(error) });
    return;
  }
  let spawnError: string | null = null;
  child.on('error', (error) => {
    spawnError ??= error.message;
  });
  const pid = child.pid;
  if (pid !== undefined) send({ t: 'started', id, pid, start: processStartTime(pid) });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => send({ t: 'out', id, chunk, stream: 'stdout' }));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => send({ t: 'out', id, chunk, stream: 'stderr' }));
  // A grandchild left holding the pipes would keep 'close' from ever firing: the job's processes end with its leader.
  child.on('exit', () => {
    if (pid !== undefined) killGroup(pid, 'SIGKILL');
  });
  child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
    if (spawnError !== null && pid === undefined) send({ t: 'error', id, message: spawnError });
    else send({ t: 'close', id, code, signal });
  });
}

process.on('message', (message: SpawnRequestMessage) => {
  if (message?.t === 'spawn') start(message);
});
process.on('disconnect', () => process.exit(0));
