#!/usr/bin/env node
// `npm test`: typecheck, lint, unit, integration and e2e suites in turn. Prints each suite's
// counts and ends with one line "N passed, N failed" over all of them; exits non-zero on any failure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const resultsDir = 'test-results';
mkdirSync(resultsDir, { recursive: true });
const only = process.argv.slice(2);
const summary = [];

function run(command, args, env = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env }, shell: process.platform === 'win32' });
  return { ok: result.status === 0, seconds: (Date.now() - started) / 1000 };
}

function step(name, fn) {
  if (only.length > 0 && !only.includes(name)) return;
  console.log(`\n=== ${name} ===`);
  const outcome = fn();
  summary.push({ name, ...outcome });
}

function vitestCounts(file, ok) {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0, note: 'no report written' };
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const failed = report.numFailedTests + (ok || report.numFailedTests > 0 ? 0 : 1);
  return { passed: report.numPassedTests, failed, skipped: report.numPendingTests + report.numTodoTests };
}

function playwrightCounts(file, ok) {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0, note: 'no report written' };
  const stats = JSON.parse(readFileSync(file, 'utf8')).stats;
  const failed = stats.unexpected + (ok || stats.unexpected > 0 ? 0 : 1);
  return { passed: stats.expected + stats.flaky, failed, skipped: stats.skipped };
}

// build, typecheck and lint are independent and mostly single-threaded: run them side by side
// (output buffered per step, printed in order) to keep the second core busy.
const checks = [
  ['build', 'npm', ['run', 'build', '--silent']],
  ['typecheck', 'npm', ['run', 'typecheck', '--silent']],
  ['lint', 'npx', ['eslint', '.', '--max-warnings', '0']],
].filter(([name]) => only.length === 0 || only.includes(name));
const checkResults = await Promise.all(
  checks.map(
    ([name, command, args]) =>
      new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(command, args, { env: process.env, shell: process.platform === 'win32' });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        child.on('close', (code) => resolve({ name, ok: code === 0, output, seconds: (Date.now() - started) / 1000 }));
      }),
  ),
);
for (const { name, ok, output, seconds } of checkResults) {
  console.log(`\n=== ${name} ===`);
  if (output) process.stdout.write(output);
  summary.push({ name, passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, seconds });
}
for (const project of ['unit', 'integration']) {
  step(project, () => {
    const file = join(resultsDir, `${project}.json`);
    rmSync(file, { force: true });
    const { ok, seconds } = run('npx', ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${file}`]);
    return { ...vitestCounts(file, ok), seconds };
  });
}
step('e2e', () => {
  const file = join(resultsDir, 'e2e.json');
  rmSync(file, { force: true });
  const { ok, seconds } = run('npx', ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: file });
  return { ...playwrightCounts(file, ok), seconds };
});

console.log('\nSuite        passed  failed  skipped  seconds');
for (const s of summary) {
  console.log(`${s.name.padEnd(12)} ${String(s.passed).padStart(6)}  ${String(s.failed).padStart(6)}  ${String(s.skipped).padStart(7)}  ${s.seconds.toFixed(1).padStart(7)}${s.note ? `  (${s.note})` : ''}`);
}
const passed = summary.reduce((n, s) => n + s.passed, 0);
const failed = summary.reduce((n, s) => n + s.failed, 0);
const skipped = summary.reduce((n, s) => n + s.skipped, 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
