import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLEAN_DIFF_SHA256, collectCodeLineage, NOT_A_REPOSITORY } from './code-lineage.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mldesk-code-'));
  dirs.push(dir);
  return dir;
}

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, encoding: 'utf8' }).trim();

async function repo(): Promise<string> {
  const dir = await tempDir();
  git(dir, 'init', '-q', '-b', 'main');
  await writeFile(join(dir, 'train.yaml'), 'epochs: 5\n');
  await writeFile(join(dir, '.gitignore'), 'ignored/\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'first');
  return dir;
}

describe('collectCodeLineage (real git)', () => {
  it('records commit and branch of a clean checkout, and a diff hash that follows every uncommitted change', async () => {
    const dir = await repo();
    const clean = await collectCodeLineage(dir);
    expect(clean.gitProblem).toBeNull();
    expect(clean.git).toEqual({ root: expect.any(String), commit: git(dir, 'rev-parse', 'HEAD'), branch: 'main', dirty: false, diffSha256: CLEAN_DIFF_SHA256, untrackedFiles: 0 });

    await writeFile(join(dir, 'train.yaml'), 'epochs: 6\n');
    const edited = await collectCodeLineage(dir);
    expect(edited.git).toMatchObject({ dirty: true, untrackedFiles: 0 });
    expect(edited.git!.diffSha256).not.toBe(CLEAN_DIFF_SHA256);
    expect((await collectCodeLineage(dir)).git!.diffSha256).toBe(edited.git!.diffSha256);

    // Untracked files count by name and content; ignored ones do not.
    await writeFile(join(dir, 'notes.txt'), 'a');
    const untracked = await collectCodeLineage(dir);
    expect(untracked.git).toMatchObject({ dirty: true, untrackedFiles: 1 });
    expect(untracked.git!.diffSha256).not.toBe(edited.git!.diffSha256);
    await writeFile(join(dir, 'notes.txt'), 'b');
    const changedContent = (await collectCodeLineage(dir)).git!.diffSha256;
    expect(changedContent).not.toBe(untracked.git!.diffSha256);
    await mkdir(join(dir, 'ignored'));
    await writeFile(join(dir, 'ignored', 'big.bin'), 'x');
    const withIgnored = await collectCodeLineage(dir);
    expect(withIgnored.git).toMatchObject({ untrackedFiles: 1, diffSha256: changedContent });

    // A subdirectory belongs to the same repository and state.
    const sub = await collectCodeLineage(join(dir, 'ignored'));
    expect(sub.git).toEqual(withIgnored.git);
    expect(sub.projectDir).toBe(join(dir, 'ignored'));
  });

  it('has no branch on a detached HEAD', async () => {
    const dir = await repo();
    git(dir, 'checkout', '-q', '--detach');
    expect((await collectCodeLineage(dir)).git).toMatchObject({ branch: null, dirty: false });
  });

  it('says why when there is no repository, no commit, or no git, instead of failing', async () => {
    const plain = await tempDir();
    expect(await collectCodeLineage(plain)).toEqual({ projectDir: plain, git: null, gitProblem: NOT_A_REPOSITORY });

    const empty = await tempDir();
    git(empty, 'init', '-q');
    expect((await collectCodeLineage(empty)).gitProblem).toBe('git repository without commits');

    const missing = await collectCodeLineage(plain, { git: join(plain, 'no-such-git') });
    expect(missing.git).toBeNull();
    expect(missing.gitProblem).toMatch(/^git is not available/);

    expect((await collectCodeLineage(join(plain, 'gone'))).gitProblem).toMatch(/does not exist/);
  });
});
