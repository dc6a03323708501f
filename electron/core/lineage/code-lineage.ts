/**
 * The code side of a run's lineage: the git state of the project a training was started from.
 * Git is asked through child processes with one time budget for all calls; a missing git, a
 * directory outside any repository or a slow repository give a reason instead of an error, so
 * recording lineage never stops a training run.
 */
import { spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitState } from '../../../shared/lineage.js';

export interface CodeState {
  projectDir: string;
  git: GitState | null;
  gitProblem: string | null;
}

export interface CodeLineageOptions {
  /** The git executable (tests point it at a missing one). */
  git?: string;
  /** Budget for all git calls and the hashing of untracked files together. */
  timeoutMs?: number;
}

export const NOT_A_REPOSITORY = 'not a git repository';

class GitProblem extends Error {}

interface GitCall {
  code: number | null;
  stdout: Buffer;
  /** Bytes written to stdout (also when they went to a hash instead of stdout). */
  bytes: number;
  stderr: string;
}

/**
 * The environment git runs in: variables a git hook or IDE may have set would point git at
 * another repository than projectDir; optional locks off so reading state never blocks (or
 * is blocked by) a concurrent commit; C locale so messages are the ones matched below.
 */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C', LANGUAGE: 'C' };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR', 'GIT_CEILING_DIRECTORIES']) delete env[name];
  return env;
}

function runGit(git: string, cwd: string, args: string[], deadline: number, sink?: Hash): Promise<GitCall> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.reject(new GitProblem('git did not answer in time'));
  return new Promise((resolve, reject) => {
    const child = spawn(git, args, { cwd, env: gitEnv(), stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, remaining);
    const chunks: Buffer[] = [];
    let stderr = '';
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      // A diff is hashed as it streams: it can be far larger than anything worth holding.
      if (sink) sink.update(chunk);
      else chunks.push(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new GitProblem(error.code === 'ENOENT' ? `git is not available (${git} not found)` : `git could not be started: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) reject(new GitProblem('git did not answer in time'));
      else resolve({ code, stdout: Buffer.concat(chunks), bytes, stderr });
    });
  });
}

const text = (call: GitCall) => call.stdout.toString('utf8').trim();

async function hashFileInto(hash: Hash, path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) {
    hash.update(await readlink(path));
    return;
  }
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The diff hash covers the work tree against HEAD: `git diff HEAD` (staged and unstaged changes,
 * binary files included) with output options pinned so a user's diff settings cannot change it,
 * then each untracked, not ignored file as name, NUL, SHA-256 of its bytes.
 */
async function gitState(git: string, root: string, deadline: number): Promise<GitState> {
  const head = await runGit(git, root, ['rev-parse', '--verify', '-q', 'HEAD'], deadline);
  if (head.code !== 0) throw new GitProblem('git repository without commits');
  const branchCall = await runGit(git, root, ['symbolic-ref', '--short', '-q', 'HEAD'], deadline);
  const diffHash = createHash('sha256');
  const diffArgs = ['-c', 'core.quotepath=on', '-c', 'diff.noprefix=false', 'diff', 'HEAD', '--binary', '--full-index', '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames', '--src-prefix=a/', '--dst-prefix=b/'];
  const diff = await runGit(git, root, diffArgs, deadline, diffHash);
  if (diff.code !== 0) throw new GitProblem(`git diff failed: ${diff.stderr.trim().split('\n')[0] ?? ''}`);
  const listing = await runGit(git, root, ['ls-files', '--others', '--exclude-standard', '-z'], deadline);
  if (listing.code !== 0) throw new GitProblem(`git ls-files failed: ${listing.stderr.trim().split('\n')[0] ?? ''}`);
  const untracked = listing.stdout.toString('utf8').split('\0').filter((name) => name !== '').sort();
  for (const name of untracked) {
    if (Date.now() >= deadline) throw new GitProblem('git did not answer in time');
    const fileHash = createHash('sha256');
    try {
      await hashFileInto(fileHash, join(root, name));
    } catch {
      // Deleted between listing and hashing: its name still says the tree was not clean.
      fileHash.update('<unreadable>');
    }
    diffHash.update(`\0untracked\0${name}\0${fileHash.digest('hex')}\n`);
  }
  return {
    root,
    commit: text(head),
    branch: branchCall.code === 0 && text(branchCall) !== '' ? text(branchCall) : null,
    dirty: diff.bytes > 0 || untracked.length > 0,
    diffSha256: diffHash.digest('hex'),
    untrackedFiles: untracked.length,
  };
}

/** The git state of the repository holding projectDir, or the reason there is none. Never throws. */
export async function collectCodeLineage(projectDir: string, options: CodeLineageOptions = {}): Promise<CodeState> {
  const git = options.git ?? 'git';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  try {
    if (!(await stat(projectDir).catch(() => undefined))?.isDirectory()) return { projectDir, git: null, gitProblem: `the project directory ${projectDir} does not exist` };
    const top = await runGit(git, projectDir, ['rev-parse', '--show-toplevel'], deadline);
    if (top.code !== 0) {
      const reason = /not a git repository/i.test(top.stderr) ? NOT_A_REPOSITORY : `git rev-parse failed: ${top.stderr.trim().split('\n')[0] ?? ''}`;
      return { projectDir, git: null, gitProblem: reason };
    }
    return { projectDir, git: await gitState(git, text(top), deadline), gitProblem: null };
  } catch (error) {
    const message = error instanceof GitProblem ? error.message : `git state could not be read: ${(error as Error).message}`;
    return { projectDir, git: null, gitProblem: message.includes('in time') ? `${message} (${Math.round(timeoutMs / 1000)} s)` : message };
  }
}

/** SHA-256 of nothing: the diff hash of a clean work tree. */
export const CLEAN_DIFF_SHA256 = sha256('');
