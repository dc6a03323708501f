import type { Command } from 'commander';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { PipelineRun } from '../../shared/app-api/pipelines.js';
import { BUILT_IN_PROJECTS } from '../core/automation/ct/challenger-project.js';
import { pipelineJUnit } from '../core/automation/ct/junit.js';
import { PipelineRunner } from '../core/automation/ct/pipeline-runner.js';
import { getPolicy, setPolicy } from '../core/automation/ct/policy-store.js';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError, invalidParameter } from '../core/errors.js';
import { createServices } from '../core/services.js';
import { NewerDatabaseError } from '../core/store/database.js';

/**
 * `mldesk ct policy set|show` and `mldesk pipeline run`: continuous-training policies and a
 * pipeline run headless (CI). Exit codes: 0 the run promoted its challenger, kept the champion
 * or left it for review as the policy says; 3 a step failed; 2 bad input; 1 an unexpected error.
 */
const EXIT_UNEXPECTED = 1;
const EXIT_USAGE = 2;
const EXIT_STEP_FAILED = 3;
const DATA_DIR_HELP = 'directory holding the database (default: $MLDESK_HOME, else the OS app-data folder)';

interface Flags {
  dataDir?: string;
  json?: boolean;
}

function fail(command: string, flags: Flags, error: unknown): void {
  const usage = error instanceof MLDeskError || error instanceof NewerDatabaseError;
  const message = usage ? (error as Error).message : `unexpected error: ${(error as Error).message}`;
  if (flags.json) process.stdout.write(`${JSON.stringify({ error: { code: error instanceof MLDeskError ? error.code : 'INTERNAL_ERROR', message } })}\n`);
  process.stderr.write(`mldesk ${command}: ${message}\n`);
  process.exitCode = usage ? EXIT_USAGE : EXIT_UNEXPECTED;
}

/**
 * A policy file kept beside its project may name it relatively (`project: ./trainer`): stored as the
 * absolute folder, resolved against the file's folder. Built-in names (`mlp`) are left as they are.
 */
function projectBesideFile(body: unknown, file: string): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const project = (body as Record<string, unknown>).project;
  if (typeof project !== 'string' || project === '' || isAbsolute(project) || (BUILT_IN_PROJECTS as readonly string[]).includes(project)) return body;
  return { ...body, project: resolve(dirname(resolve(file)), project) };
}

async function readPolicyFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw invalidParameter(`--file ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  try {
    // YAML is a superset of JSON: one parser reads both.
    return parseYaml(text, { maxAliasCount: 50 }) as unknown;
  } catch (error) {
    throw invalidParameter(`--file ${path}: not JSON or YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

function runText(run: PipelineRun): string {
  const time = (s: PipelineRun['steps'][number]) => (s.startTime !== null && s.endTime !== null ? ` (${((s.endTime - s.startTime) / 1000).toFixed(1)} s)` : '');
  const lines = [`pipeline ${run.id} for ${run.model}: ${run.state}`, `  trigger: ${run.trigger.type}: ${run.trigger.detail}`];
  for (const step of run.steps) {
    const error = typeof step.detail.error === 'string' ? `: ${step.detail.error}` : '';
    lines.push(`  ${step.step.padEnd(8)} ${step.status}${time(step)}${error}`);
  }
  lines.push(`  decision: ${run.decision ?? '-'}`);
  return `${lines.join('\n')}\n`;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(temp, text);
  await rename(temp, path);
}

export function registerPipelineCommands(program: Command, version: string): void {
  const ct = program.command('ct').description('continuous-training policies').exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE));
  const policy = ct.command('policy').description("a model's continuous-training policy");
  policy
    .command('set <model>')
    .description('set the policy of a model from a JSON or YAML file (checked whole; a bad one changes nothing)')
    .requiredOption('--file <path>', 'policy.json or policy.yaml')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object: {"policy": {...}}')
    .action(async (model: string, flags: Flags & { file: string }) => {
      const services = createServicesOrFail('ct policy set', flags);
      if (!services) return;
      try {
        const saved = setPolicy(services.store.db, model, projectBesideFile(await readPolicyFile(flags.file), flags.file));
        process.stdout.write(flags.json ? `${JSON.stringify({ policy: saved })}\n` : `Policy of ${model} set: ${saved.triggers.map((t) => t.type).join(', ')} → retrain, gate on ${saved.metric.name}, ${saved.autoApprove ? 'auto-approve' : 'human review'}.\n`);
      } catch (error) {
        fail('ct policy set', flags, error);
      } finally {
        await services.close();
      }
    });
  policy
    .command('show <model>')
    .description('print the policy of a model')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object: {"policy": {...} | null}')
    .action(async (model: string, flags: Flags) => {
      const services = createServicesOrFail('ct policy show', flags);
      if (!services) return;
      try {
        const found = getPolicy(services.store.db, model);
        process.stdout.write(flags.json || found ? `${JSON.stringify({ policy: found }, null, flags.json ? undefined : 2)}\n` : `Model ${model} has no continuous-training policy.\n`);
      } catch (error) {
        fail('ct policy show', flags, error);
      } finally {
        await services.close();
      }
    });

  const pipeline = program.command('pipeline').description('continuous-training pipeline runs').exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE));
  pipeline
    .command('run')
    .description("run a model's pipeline now: trigger → data → train → evaluate → gate → promote")
    .requiredOption('--model <name>', 'the registered model (it needs a policy)')
    .option('--trigger <type>', 'recorded as the trigger (only manual runs start from here)', 'manual')
    .option('--junit <file>', 'write JUnit XML: one testcase per step and per quality gate')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print the pipeline run as one JSON object')
    .action(async (flags: Flags & { model: string; trigger: string; junit?: string }) => {
      if (flags.trigger !== 'manual') {
        fail('pipeline run', flags, invalidParameter(`--trigger: '${flags.trigger}' runs start from their trigger (mldesk serve watches them); only 'manual' starts here.`));
        return;
      }
      const services = createServicesOrFail('pipeline run', flags);
      if (!services) return;
      let server: { close(): Promise<void> } | undefined;
      try {
        // The train step runs the policy's project as a job, which logs into a tracking server: this
        // data dir's, in this process. No job recovery here: a one-shot command leaves other queued jobs to the app.
        const { buildServer } = await import('../server/http-server.js');
        const app = await buildServer({ services, tokens: [], version });
        server = app;
        await app.listen({ host: '127.0.0.1', port: 0 });
        const address = app.server.address();
        services.jobs.pool.setTrackingServer({ trackingUri: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
        const runner = new PipelineRunner(services);
        const user = process.env.USER ?? process.env.USERNAME ?? 'unknown';
        const { done } = runner.start(flags.model, { type: 'manual', detail: `started with mldesk pipeline run by ${user}` });
        const run = await done;
        if (flags.junit) await writeAtomically(flags.junit, pipelineJUnit(run));
        process.stdout.write(flags.json ? `${JSON.stringify({ pipeline: run })}\n` : runText(run));
        process.exitCode = run.state === 'failed' || run.state === 'cancelled' ? EXIT_STEP_FAILED : 0;
      } catch (error) {
        fail('pipeline run', flags, error);
      } finally {
        await server?.close();
        await services.close();
      }
    });
}

function createServicesOrFail(command: string, flags: Flags) {
  try {
    return createServices({ dataDir: resolveDataDir(flags.dataDir) });
  } catch (error) {
    fail(command, flags, error);
    return null;
  }
}
