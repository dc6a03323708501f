/**
 * The lineage around one run as a small graph for the UI: the dataset versions it trained on, the
 * model it produced, the run it reproduces and the runs reproducing it, plus those runs' own
 * datasets and models, so an original and its reproduction show what they share.
 */
import { parseDatasetRef } from '../../../shared/datasets.js';
import type { LineageEdge, LineageGraph, LineageNode } from '../../../shared/lineage.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { edgesTouching, type LineageEdgeRow } from './edges.js';

function datasetNode(store: TrackingStore, ref: string): LineageNode {
  const parsed = parseDatasetRef(ref);
  const row =
    'error' in parsed || parsed.version === undefined
      ? undefined
      : (store.db
          .prepare('SELECT v.sha256, v.row_count FROM dataset_versions v JOIN named_datasets d ON d.dataset_id = v.dataset_id WHERE d.name = ? AND v.version = ?')
          .get(parsed.name, parsed.version) as { sha256: string; row_count: number } | undefined);
  const detail = row ? `sha256 ${row.sha256.slice(0, 12)}…, ${row.row_count} rows` : 'missing from this data directory';
  return { id: `dataset:${ref}`, kind: 'dataset', label: ref, detail };
}

function runNode(store: TrackingStore, runId: string): LineageNode {
  const row = store.db
    .prepare('SELECT r.name, r.status, r.lifecycle_stage, e.name AS experiment FROM runs r JOIN experiments e USING (experiment_id) WHERE r.run_uuid = ?')
    .get(runId) as { name: string; status: string; lifecycle_stage: string; experiment: string } | undefined;
  if (!row) return { id: `run:${runId}`, kind: 'run', label: runId, detail: 'no longer in this data directory' };
  const deleted = row.lifecycle_stage === 'deleted' ? ', deleted' : '';
  return { id: `run:${runId}`, kind: 'run', label: row.name, detail: `${row.status} in '${row.experiment}'${deleted}` };
}

function node(store: TrackingStore, kind: string, id: string): LineageNode | null {
  if (kind === 'dataset_version') return datasetNode(store, id);
  if (kind === 'run') return runNode(store, id);
  if (kind === 'model') return { id: `model:${id}`, kind: 'model', label: 'model', detail: id };
  // Kinds later features add (model versions, deployments) are not drawn here yet.
  return null;
}

/** Throws when the run does not exist; a run without recorded lineage gives a graph of itself. */
export function lineageGraph(store: TrackingStore, runId: string): LineageGraph {
  store.runs.row(runId);
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const seen = new Set<string>();
  const center = runNode(store, runId);
  nodes.set(center.id, center);

  const add = (edge: LineageEdgeRow): void => {
    const from = node(store, edge.sourceKind, edge.sourceId);
    const to = node(store, edge.targetKind, edge.targetId);
    const key = `${edge.sourceKind}:${edge.sourceId}\n${edge.targetKind}:${edge.targetId}\n${edge.relation}`;
    if (!from || !to || seen.has(key)) return;
    seen.add(key);
    for (const n of [from, to]) if (!nodes.has(n.id)) nodes.set(n.id, n);
    edges.push({ from: from.id, to: to.id, relation: edge.relation });
  };

  const neighbourRuns = new Set<string>();
  for (const edge of edgesTouching(store.db, 'run', runId)) {
    add(edge);
    if (edge.relation === 'reproduces') neighbourRuns.add(edge.sourceId === runId ? edge.targetId : edge.sourceId);
  }
  for (const other of neighbourRuns) {
    for (const edge of edgesTouching(store.db, 'run', other)) if (edge.relation !== 'reproduces') add(edge);
  }
  return { nodes: [...nodes.values()], edges };
}
