import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { formatIdentity, identityOf, isIdentityAlive, ownerToken, parseIdentity, pidAlive, processStartTime } from './process-identity.js';

describe('process identity', () => {
  it('names this process by host, pid and start time, and counts it alive', () => {
    const token = ownerToken();
    expect(parseIdentity(token)).toEqual({ host: hostname(), pid: process.pid, start: processStartTime(process.pid) });
    expect(isIdentityAlive(token)).toBe(true);
  });

  it('does not count a reused pid as alive: same pid, another start time', () => {
    const self = parseIdentity(ownerToken())!;
    expect(isIdentityAlive(formatIdentity({ ...self, start: `${self.start}1` }))).toBe(false);
  });

  it('counts an exited process as dead, and an unreadable identity as dead', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
    const identity = identityOf(child.pid!);
    expect(isIdentityAlive(identity)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(isIdentityAlive(identity)).toBe(false);
    expect(isIdentityAlive(null)).toBe(false);
    expect(isIdentityAlive('garbage')).toBe(false);
  });

  it.runIf(process.platform === 'linux')('counts a killed process its parent has not reaped yet (a zombie) as dead', async () => {
    // `sleep 0` exits at once; its parent became `sleep 3`, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 3'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(String(chunk)))));
    const state = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0];
    const deadline = Date.now() + 5_000;
    while (state() !== 'Z' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(state()).toBe('Z');
    expect(pidAlive(pid)).toBe(false);
    expect(pidAlive(parent.pid!)).toBe(true);
    parent.kill('SIGKILL');
  });

  it("leaves another host's identity to that host (counted alive)", () => {
    expect(isIdentityAlive(formatIdentity({ host: `${hostname()}-elsewhere`, pid: 1, start: '1' }))).toBe(true);
  });
});
