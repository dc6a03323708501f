/**
 * A row a caller can send to a model version as it is: the version's signature features, with
 * the values of a real row of the dataset it was trained on (so the "Call it" snippet answers 200
 * and looks like the caller's data). Versions trained on rows MLDesk did not store fall back to
 * the signature's medians and most frequent categories.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExampleRow } from '../../../shared/app-api/predictions.js';
import type { DatasetStore } from '../data/dataset-store.js';
import type { TypedCell } from '../data/cell-values.js';
import { readLineage } from '../lineage/lineage-store.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { TrackingStore } from '../store/tracking-store.js';
import type { ModelSignature } from '../training/model-files.js';
import { modelDirOf } from './serving-target.js';

/** Rows already read, by dataset version and feature list: a dataset is read once per app session. */
const cache = new Map<string, Record<string, TypedCell>>();

async function trainingRow(store: TrackingStore, datasets: DatasetStore, runId: string, signature: ModelSignature): Promise<{ row: Record<string, TypedCell>; ref: string } | null> {
  const lineage = await readLineage(store, runId);
  const ref = lineage?.data.kind === 'dataset' ? lineage.data.ref : null;
  if (!ref) return null;
  const key = `${ref}\n${signature.inputs.map((i) => i.name).join('\t')}`;
  const cached = cache.get(key);
  if (cached) return { row: cached, ref };
  const table = await datasets.readRows(ref);
  const positions = signature.inputs.map((input) => table.columns.findIndex((c) => c.name === input.name));
  if (positions.some((p) => p < 0)) return null;
  // A complete row: a null would be imputed, which is not what a caller's first call should show.
  const found = table.rows.find((cells) => positions.every((p) => cells[p] !== null));
  if (!found) return null;
  const row = Object.fromEntries(signature.inputs.map((input, i) => [input.name, found[positions[i]!]!]));
  cache.set(key, row);
  return { row, ref };
}

export async function exampleRow(store: TrackingStore, datasets: DatasetStore, registry: ModelRegistry, model: string, version: string): Promise<ExampleRow> {
  const modelVersion = registry.getVersion(model, version);
  const signature = JSON.parse(await readFile(join(modelDirOf(store, registry, modelVersion), 'signature.json'), 'utf8')) as ModelSignature;
  if (modelVersion.run_id) {
    try {
      const found = await trainingRow(store, datasets, modelVersion.run_id, signature);
      if (found) return { row: found.row, source: 'training-data', dataset: found.ref };
    } catch (error) {
      // The dataset was removed or changed: the signature still gives a row that answers.
      process.stderr.write(`MLDesk: no training row for ${model} v${version} (${(error as Error).message}); using the signature's typical values.\n`);
    }
  }
  const row = Object.fromEntries(
    signature.inputs.map((input) => [input.name, input.type === 'boolean' ? input.imputedWith === 'true' || input.imputedWith === 1 : input.imputedWith]),
  );
  return { row, source: 'signature', dataset: null };
}
