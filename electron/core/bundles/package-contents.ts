/**
 * What a handoff package of a model version holds (PACKAGE_PATHS): gathered once, both to write the
 * package and to show the Handoff tab its contents, model card and approval before anyone exports.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_PATHS, packageFileName, type ModelCard, type PackageMeta } from '../../../shared/app-api/handoff.js';
import { EVALUATION_DIR } from '../../../shared/evaluation.js';
import type { RunLineage } from '../../../shared/lineage.js';
import { MLDeskError } from '../errors.js';
import { readLineage } from '../lineage/lineage-store.js';
import { listQualityTests } from '../monitoring/quality-tests.js';
import { readReference } from '../monitoring/reference-profiles.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { ModelVersion, ModelVersionReview } from '../registry/registry-types.js';
import { modelDirOf, resolveTarget, type ServingTarget } from '../serving/serving-target.js';
import type { TrackingStore } from '../store/tracking-store.js';
import type { ModelSignature } from '../training/model-files.js';
import type { ArchiveSource } from './archive-writer.js';
import { modelCard, modelCardMarkdown } from './package-model-card.js';
import { runtimeClosure, runtimeLockfile, runtimePackageJson } from './package-runtime.js';
import { cycloneDxSbom, dockerfile } from './package-sbom.js';

export interface PackageServices {
  store: TrackingStore;
  registry: ModelRegistry;
}

export type PlannedEntry = ArchiveSource & { size: number };

export interface PackagePlan {
  version: ModelVersion;
  meta: PackageMeta;
  /** Why the version may not be exported (no approving review); null when it may. */
  refusal: string | null;
  approvalState: 'approved' | 'rejected' | 'pending';
  card: ModelCard;
  cardMarkdown: string;
  entries: PlannedEntry[];
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const reviewerOf = (review: ModelVersionReview) => review.reviewer_identity ?? `${review.reviewer_display} (unverified)`;

/** Regular files under `dir`, as `prefix/relative/path`, in a stable order. */
async function filesUnder(dir: string, prefix: string): Promise<PlannedEntry[]> {
  const out: PlannedEntry[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full, `${prefix}${entry.name}/`)));
    // Symbolic links and other odd files stay out: a package holds the bytes it names.
    else if (entry.isFile()) out.push({ path: `${prefix}${entry.name}`, file: full, size: (await stat(full)).size });
  }
  return out;
}

function refusalOf(version: ModelVersion, reviews: ModelVersionReview[]): string | null {
  const latest = reviews.at(-1);
  const label = `model ${version.name} version ${version.version}`;
  if (!latest) return `${label} has no approved review: it has not been reviewed yet. A reviewer approves it first (\`mldesk models approve ${version.name} ${version.version}\`).`;
  if (latest.decision !== 'approved') {
    return `${label} has no approved review: its latest review (by ${reviewerOf(latest)}, ${new Date(latest.created_time).toISOString()}) rejected it${latest.comment ? ` ("${latest.comment}")` : ''}.`;
  }
  return null;
}

async function runLineage(store: TrackingStore, runId: string): Promise<RunLineage | null> {
  if (runId === '') return null;
  try {
    return await readLineage(store, runId);
  } catch {
    return null;
  }
}

function numericMetrics(store: TrackingStore, runId: string): Record<string, number> {
  if (runId === '') return {};
  try {
    const metrics = store.runs.get(runId).data.metrics;
    // system/* metrics describe the training machine's load, not the model.
    const kept = metrics.filter((m) => typeof m.value === 'number' && Number.isFinite(m.value) && !m.key.startsWith('system/'));
    return Object.fromEntries(kept.map((m) => [m.key, m.value as number]));
  } catch {
    return {};
  }
}

async function evaluationFiles(store: TrackingStore, runId: string): Promise<PlannedEntry[]> {
  if (runId === '') return [];
  try {
    const root = store.artifacts.localDirOf(store.runs.row(runId, 'runIds').artifact_uri);
    if (root === null) return [];
    return await filesUnder(join(root, EVALUATION_DIR), PACKAGE_PATHS.evaluationPrefix);
  } catch {
    return [];
  }
}

/**
 * The package of `target` (NAME@ALIAS, NAME/VERSION): its entries in the order they are written,
 * its meta and model card. Throws INVALID_STATE (naming the version and why) when `requireApproval`
 * and the version has no approving review.
 */
export async function planPackage(services: PackageServices, target: ServingTarget, options: { requireApproval: boolean; fileName?: string; now?: number }): Promise<PackagePlan> {
  const { store, registry } = services;
  const version = resolveTarget(registry, target);
  const reviews = registry.approvals.reviews(version.name, version.version);
  const refusal = refusalOf(version, reviews);
  if (refusal !== null && options.requireApproval) throw new MLDeskError('INVALID_STATE', `Cannot export a handoff package: ${refusal}`);
  const model = registry.getModel(version.name);
  const modelDir = modelDirOf(store, registry, version);
  const modelEntries = await filesUnder(modelDir, PACKAGE_PATHS.modelPrefix).catch((error: NodeJS.ErrnoException) => {
    throw new MLDeskError('INVALID_STATE', `Model ${version.name}/${version.version}: its files at ${modelDir} cannot be read (${error.code ?? error.message}).`);
  });
  const signatureEntry = modelEntries.find((e) => e.path === `${PACKAGE_PATHS.modelPrefix}signature.json`);
  if (!signatureEntry || !('file' in signatureEntry)) throw new MLDeskError('INVALID_STATE', `Model ${version.name}/${version.version}: ${modelDir} has no signature.json, so it cannot be served.`);
  const signature = JSON.parse(await readFile(signatureEntry.file, 'utf8')) as ModelSignature;
  const weights = modelEntries.find((e) => e.path === `${PACKAGE_PATHS.modelPrefix}weights.bin`);
  const weightsSha256 = weights && 'file' in weights ? createHash('sha256').update(await readFile(weights.file)).digest('hex') : '';

  const lineage = await runLineage(store, version.run_id);
  const versionRow = registry.versionRow(version.name, version.version);
  const reference = readReference(store.db, versionRow.version_pk);
  const qualityTests = listQualityTests(registry, store.db, version.name, version.version);
  const evaluation = await evaluationFiles(store, version.run_id);
  const summaryFile = evaluation.find((e) => e.path === `${PACKAGE_PATHS.evaluationPrefix}summary.json`);
  const summary = summaryFile && 'file' in summaryFile ? (JSON.parse(await readFile(summaryFile.file, 'utf8')) as Record<string, unknown>) : null;
  const aliasHistory = registry.aliasHistory(version.name);
  const approving = refusal === null ? reviews.at(-1)! : null;

  const card = modelCard({ model, version, signature, lineage, metrics: numericMetrics(store, version.run_id), evaluation: summary, qualityTests, reviews, referenceStatus: reference?.status ?? null });
  const cardMarkdown = modelCardMarkdown(card);
  const now = options.now ?? Date.now();
  const file = options.fileName ?? packageFileName(version.name, version.version);
  const meta: PackageMeta = {
    model: version.name,
    version: version.version,
    ...(target.alias ? { alias: target.alias } : {}),
    approvedBy: approving ? reviewerOf(approving) : '',
    createdTime: now,
    signature: { inputs: signature.inputs.length, output: signature.output.name, task: signature.output.task, ...(signature.output.classes ? { classes: signature.output.classes } : {}) },
    file,
  };
  const closure = runtimeClosure();
  const data = (path: string, text: string): PlannedEntry => ({ path, data: text, size: Buffer.byteLength(text) });
  const lineageJson = {
    summary: lineage
      ? {
          codeCommit: lineage.code.git?.commit ?? null,
          codeDirty: lineage.code.git?.dirty ?? null,
          diffSha256: lineage.code.git?.diffSha256 ?? null,
          gitProblem: lineage.code.gitProblem,
          configSha256: lineage.code.configSha256,
          environment: lineage.environment,
          lockfileSha256: lineage.environment.packageLockSha256,
          hyperparameters: lineage.config.hyperparameters,
          seed: lineage.config.hyperparameters.seed,
          data: lineage.data,
        }
      : null,
    run: lineage,
  };
  const entries: PlannedEntry[] = [
    ...modelEntries,
    data(PACKAGE_PATHS.cardMarkdown, cardMarkdown),
    data(PACKAGE_PATHS.cardJson, json(card)),
    data(PACKAGE_PATHS.lineage, json(lineageJson)),
    data(PACKAGE_PATHS.version, json({ model: { name: model.name, description: model.description, tags: model.tags }, version })),
    data(PACKAGE_PATHS.approvals, json({ state: refusal === null ? 'approved' : (reviews.at(-1)?.decision ?? 'pending'), reviews })),
    data(PACKAGE_PATHS.aliasHistory, json(aliasHistory)),
    ...(reference?.status === 'ready' && reference.profile
      ? [data(PACKAGE_PATHS.reference, json({ datasetRef: reference.datasetRef, datasetSha256: reference.datasetSha256, source: reference.source, profile: reference.profile }))]
      : []),
    ...evaluation,
    data(PACKAGE_PATHS.sbom, cycloneDxSbom(closure, { name: version.name, version: version.version, weightsSha256 }, now)),
    data(PACKAGE_PATHS.dockerfile, dockerfile(file, version)),
    data(PACKAGE_PATHS.dockerPackageJson, runtimePackageJson(closure)),
    data(PACKAGE_PATHS.dockerLockfile, runtimeLockfile(closure)),
  ];
  return { version, meta, refusal, approvalState: refusal === null ? 'approved' : (reviews.at(-1)?.decision ?? 'pending'), card, cardMarkdown, entries };
}
