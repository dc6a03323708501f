import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseInterpreter, environmentFiles, wantedPythonVersion } from './environment.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'project-env-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('python_env / conda_env', () => {
  it('reads the asked Python version from either file and hashes it', () => {
    const dir = project({ 'python_env.yaml': 'python: "3.9.7"\nbuild_dependencies: [pip]\n', 'conda.yaml': 'dependencies:\n  - python=3.10\n  - pip\n' });
    const [pyenv] = environmentFiles(dir, { python_env: 'python_env.yaml', entry_points: {} });
    const [conda] = environmentFiles(dir, { conda_env: 'conda.yaml', entry_points: {} });
    expect(pyenv!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(wantedPythonVersion(dir, pyenv!)).toBe('3.9.7');
    expect(wantedPythonVersion(dir, conda!)).toBe('3.10');
    expect(environmentFiles(dir, { python_env: 'missing.yaml', entry_points: {} })).toEqual([{ field: 'python_env', path: 'missing.yaml', sha256: null }]);
  });

  it('uses an interpreter of the asked version that is on PATH, and says so', async () => {
    const version = execFileSync('/usr/bin/python3', ['--version'], { encoding: 'utf8' }).trim().split(' ')[1]!;
    const dir = project({ 'python_env.yaml': `python: "${version.split('.').slice(0, 2).join('.')}"\n` });
    const shims = join(dir, 'bin');
    const choice = await chooseInterpreter(dir, environmentFiles(dir, { python_env: 'python_env.yaml', entry_points: {} }), shims, '/usr/bin');
    expect(choice.interpreter?.version).toBe(version);
    expect(choice.pathVariable).toBe(`${shims}:/usr/bin`);
    expect(readlinkSync(join(shims, 'python'))).toBe(choice.interpreter!.path);
    expect(choice.description).toMatch(/ran with \/usr\/bin\/python3.* dependencies were not installed/);
  });

  it('never downloads: an absent version leaves PATH alone and says so', async () => {
    const dir = project({ 'python_env.yaml': 'python: "2.1"\n' });
    const shims = join(dir, 'bin');
    const choice = await chooseInterpreter(dir, environmentFiles(dir, { python_env: 'python_env.yaml', entry_points: {} }), shims, '/usr/bin');
    expect(choice.interpreter).toBeNull();
    expect(choice.pathVariable).toBe('/usr/bin');
    expect(choice.description).toBe('python_env python_env.yaml asks for Python 2.1, which is not on PATH (nothing is downloaded): the command ran with the PATH as given');
    expect(existsSync(shims)).toBe(false);
  });
});
