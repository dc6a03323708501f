import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from './command-process.js';
import { JobSpawner, type SpawnResult } from './job-spawner.js';
import { pidAlive, processStartTime } from './process-identity.js';

let dir: string;
let spawner: JobSpawner;
const leftovers: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-spawner-'));
  spawner = new JobSpawner();
});

afterEach(async () => {
  await spawner.close();
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

const node = (script: string): string[] => [process.execPath, '-e', script];

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function parentOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
}

/** A job whose child (in the job's process group) writes its pid to a file, then both wait forever. */
function treeScript(pidFile: string): string {
  const grandchild = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)";
  return `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' }); require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setInterval(() => {}, 1000)`;
}

describe('JobSpawner', () => {
  it('starts the command from its own process with the env and cwd asked for, relays output and reports the end', async () => {
    const chunks: string[] = [];
    let started: { pid: number; start: string | null; parent: number } | undefined;
    const result = await spawner.run(
      { argv: node("console.log('out', process.env.SPAWNER_TEST, process.cwd()); console.error('err'); setTimeout(() => process.exit(3), 200)"), cwd: dir, env: { ...process.env, SPAWNER_TEST: 'passed-through' } },
      {
        onStarted: (pid, start) => (started = { pid, start, parent: parentOf(pid) }),
        onOutput: (chunk, stream) => chunks.push(`${stream}:${chunk}`),
      },
    );
    expect(result).toEqual({ exitCode: 3, signal: null, spawnError: null, lost: null });
    expect(chunks.join('')).toContain(`stdout:out passed-through ${realpathSync(dir)}`);
    expect(chunks.join('')).toContain('stderr:err');
    // Its parent is the spawner, not this process: this one never forked for it.
    expect(started?.parent).toBe(spawner.pid);
    expect(started?.parent).not.toBe(process.pid);
    expect(started?.start).toMatch(/^\d+$/);
    expect(readFileSync(`/proc/${spawner.pid}/cmdline`, 'utf8')).toContain('spawner-process');
  });

  it('reports a program that does not exist and a cwd that is not a folder in the OS words, and runCommand keeps its message', async () => {
    const missing = await spawner.run({ argv: [join(dir, 'no-such-program')], cwd: dir, env: process.env }, { onOutput: () => undefined });
    expect(missing.spawnError).toMatch(/ENOENT/);
    const badCwd = await spawner.run({ argv: ['/bin/true'], cwd: join(dir, 'no-such-dir'), env: process.env }, { onOutput: () => undefined });
    expect(badCwd.spawnError).toMatch(/ENOENT/);
    const viaRunCommand = await runCommand({ argv: [join(dir, 'no-such-program')], cwd: dir, env: process.env, signal: new AbortController().signal, onOutput: () => undefined, spawner });
    expect(viaRunCommand.spawnError).toMatch(/^could not start .*no-such-program: .*ENOENT/);
  });

  it('runCommand through the spawner: an abort kills the whole tree, grandchild included, even one that ignores SIGTERM', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const abort = new AbortController();
    const running = runCommand({ argv: node(treeScript(pidFile)), cwd: dir, env: process.env, signal: abort.signal, onOutput: () => undefined, graceMs: 300, spawner });
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    abort.abort('stop it');
    const outcome = await running;
    expect(outcome.abortedWith).toBe('stop it');
    await until(() => !pidAlive(grandchild), 3000);
  });

  it('a spawner killed mid-job: the job ends lost naming it, its process group is killed, and the next job starts a new spawner', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    let jobPid = 0;
    const running = spawner.run({ argv: node(treeScript(pidFile)), cwd: dir, env: process.env }, { onStarted: (pid) => (jobPid = pid), onOutput: () => undefined });
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    leftovers.push(jobPid);
    const first = spawner.pid as number;
    process.kill(first, 'SIGKILL');
    const result: SpawnResult = await running;
    expect(result.lost).toBe(`the job spawner process (pid ${first}) was killed by SIGKILL while the job ran`);
    await until(() => !pidAlive(grandchild) && !pidAlive(jobPid), 3000);
    const next = await spawner.run({ argv: ['/bin/true'], cwd: dir, env: process.env }, { onOutput: () => undefined });
    expect(next).toEqual({ exitCode: 0, signal: null, spawnError: null, lost: null });
    expect(spawner.pid).not.toBe(first);
  });

  it('close ends the spawner', async () => {
    await spawner.run({ argv: ['/bin/true'], cwd: dir, env: process.env }, { onOutput: () => undefined });
    const pid = spawner.pid as number;
    expect(pidAlive(pid)).toBe(true);
    await spawner.close();
    await until(() => !pidAlive(pid), 3000);
    expect((await spawner.run({ argv: ['/bin/true'], cwd: dir, env: process.env }, { onOutput: () => undefined })).spawnError).toMatch(/closed/);
  });

  it('when the process that started it dies, the spawner exits and leaves the job running for restart recovery', async () => {
    const moduleUrl = pathToFileURL(join(import.meta.dirname, 'job-spawner.ts')).href;
    const script = `
      const { JobSpawner } = await import(${JSON.stringify(moduleUrl)});
      const spawner = new JobSpawner();
      void spawner.run({ argv: [process.execPath, '-e', 'setInterval(() => {}, 1000)'], cwd: ${JSON.stringify(dir)}, env: process.env }, {
        onStarted: (pid, start) => console.log(JSON.stringify({ spawner: spawner.pid, job: pid, start })),
        onOutput: () => undefined,
      });`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      parent.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      parent.once('exit', (code) => reject(new Error(`the parent exited (${code}) before the job started`)));
    });
    const started = JSON.parse(line) as { spawner: number; job: number; start: string };
    leftovers.push(started.job);
    parent.kill('SIGKILL');
    await until(() => !pidAlive(started.spawner), 5000);
    expect(pidAlive(started.job)).toBe(true);
    expect(processStartTime(started.job)).toBe(started.start);
  });
});
