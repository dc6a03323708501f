/**
 * Lineage reaching forward from a run: the registered versions of its model, with their aliases,
 * the deployments serving each, and how many predictions each version has logged. The graph gets
 * the same facts as nodes: run → model → model version → deployment → prediction log.
 */
import type { Deployment } from '../../../shared/app-api/models.js';
import type { LineageEdge, LineageGraph, LineageNode, RunForward } from '../../../shared/lineage.js';
import type { SqliteDatabase } from '../store/database.js';

export function forwardLineage(db: SqliteDatabase, runId: string, deployments: Deployment[]): RunForward {
  const rows = db
    .prepare(
      `SELECT rm.name, mv.version, mv.source, (SELECT group_concat(a.alias, ',') FROM (SELECT alias FROM registered_model_aliases WHERE model_id = mv.model_id AND version = mv.version ORDER BY alias) a) AS aliases
       FROM model_versions mv JOIN registered_models rm ON rm.model_id = mv.model_id
       WHERE mv.run_id = ? ORDER BY rm.name, mv.version`,
    )
    .all(runId) as { name: string; version: number; source: string; aliases: string | null }[];
  // Counted on the (model_name, model_version) index: a range count, no table rows read.
  const count = db.prepare('SELECT count(*) FROM predictions WHERE model_name = ? AND model_version = ?').pluck();
  return {
    versions: rows.map((row) => ({
      name: row.name,
      version: String(row.version),
      source: row.source,
      aliases: row.aliases ? row.aliases.split(',') : [],
      deployments: deployments
        .filter((d) => d.model === row.name && d.version === String(row.version))
        .map((d) => ({ id: d.id, alias: d.alias, state: d.state, port: d.port, url: d.url })),
      predictions: count.get(row.name, row.version) as number,
    })),
  };
}

/** The graph continued past the run's model: one node per version, deployment and prediction log. */
export function withForwardNodes(graph: LineageGraph, runId: string, forward: RunForward): LineageGraph {
  const nodes: LineageNode[] = [...graph.nodes];
  const edges: LineageEdge[] = [...graph.edges];
  const has = new Set(nodes.map((n) => n.id));
  const add = (node: LineageNode) => {
    if (!has.has(node.id)) nodes.push(node);
    has.add(node.id);
  };
  for (const v of forward.versions) {
    const versionId = `model_version:${v.name}/${v.version}`;
    add({ id: versionId, kind: 'model_version', label: `${v.name} v${v.version}`, detail: v.aliases.length ? v.aliases.map((a) => `@${a}`).join(' ') : 'no alias' });
    const modelId = `model:${v.source}`;
    // A version registered from this run's model files hangs off that model; else off the run.
    edges.push({ from: has.has(modelId) ? modelId : `run:${runId}`, to: versionId, relation: 'registered as' });
    const log = `predictions:${v.name}/${v.version}`;
    for (const d of v.deployments) {
      const deploymentId = `deployment:${d.id}`;
      add({ id: deploymentId, kind: 'deployment', label: d.port === null ? `${v.name}@${d.alias}` : `:${d.port}`, detail: `${d.state} · ${v.name}@${d.alias}` });
      edges.push({ from: versionId, to: deploymentId, relation: 'served by' });
    }
    if (v.predictions > 0 || v.deployments.length > 0) {
      add({ id: log, kind: 'predictions', label: `${v.predictions.toLocaleString('en-US')} prediction${v.predictions === 1 ? '' : 's'}`, detail: `${v.name} v${v.version}` });
      if (v.deployments.length === 0) edges.push({ from: versionId, to: log, relation: 'logged' });
      for (const d of v.deployments) edges.push({ from: `deployment:${d.id}`, to: log, relation: 'logged' });
    }
  }
  return { nodes, edges };
}
