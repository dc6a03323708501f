import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { formatIdentity, identityOf, isIdentityAlive, ownerToken, parseIdentity, processStartTime } from './process-identity.js';

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

  it("leaves another host's identity to that host (counted alive)", () => {
    expect(isIdentityAlive(formatIdentity({ host: `${hostname()}-elsewhere`, pid: 1, start: '1' }))).toBe(true);
  });
});
