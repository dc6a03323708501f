/**
 * `mldesk package export` and the app's "Export package": an approved model version written as a
 * signed `.mldesk-package` (kind 'package') with the data dir's key.
 */
import { basename } from 'node:path';
import type { Manifest } from '../../../shared/bundles.js';
import { mldeskPackage } from '../lineage/environment.js';
import type { DatasetStore } from '../data/dataset-store.js';
import { ensureReference } from '../monitoring/reference-profiles.js';
import { parseTarget, resolveTarget } from '../serving/serving-target.js';
import { writeSignedArchive } from './archive-writer.js';
import { planPackage, type PackageServices } from './package-contents.js';
import { loadSigningIdentity } from './signing-identity.js';

export interface ExportedPackage {
  file: string;
  manifest: Manifest;
  /** Sum of the entries' sizes (uncompressed). */
  bytes: number;
}

/**
 * Writes the package of `target` (NAME@ALIAS or NAME/VERSION) to `out`. Refused (INVALID_STATE,
 * naming the version and why) unless the version's latest review approves it; nothing is written then.
 */
export async function exportPackage(services: PackageServices & { dataDir: string; datasets: DatasetStore }, target: string, out: string): Promise<ExportedPackage> {
  await profileReference(services, target);
  const plan = await planPackage(services, parseTarget(target), { requireApproval: true, fileName: basename(out) });
  const { manifest, bytes } = await writeSignedArchive(out, {
    kind: 'package',
    meta: plan.meta,
    identity: loadSigningIdentity(services.dataDir),
    appVersion: mldeskPackage().version ?? '0.0.0',
    entries: plan.entries.map((entry) => ('file' in entry ? { path: entry.path, file: entry.file } : { path: entry.path, data: entry.data })),
  });
  return { file: out, manifest, bytes };
}

/**
 * A reference profile still pending (it is computed off the registering request, by `mldesk serve`)
 * is computed now, so the package carries it; one that cannot be computed is left out, as the model
 * card then says.
 */
async function profileReference(services: PackageServices & { datasets: DatasetStore }, target: string): Promise<void> {
  const version = resolveTarget(services.registry, parseTarget(target));
  const { version_pk: versionPk } = services.registry.versionRow(version.name, version.version);
  if (services.registry.approvals.approvalState(version.name, version.version) !== 'approved') return;
  try {
    await ensureReference({ store: services.store, registry: services.registry, datasets: services.datasets }, versionPk);
  } catch {
    // The package is still useful without one; monitoring on the serving side then has no reference.
  }
}
