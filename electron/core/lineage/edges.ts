/**
 * Rows of the generic `lineage_edges` table (migration 1). Ids are the ones users see: a dataset
 * version is `name@version`, a run its run id, a model its `runs:/<run id>/model` URI, so the
 * graph still reads when a row it names is gone.
 */
import type { SqliteDatabase } from '../store/database.js';

export type EdgeNodeKind = 'dataset_version' | 'run' | 'model';
export type EdgeRelation = 'trained_on' | 'produced' | 'reproduces';

export interface LineageEdgeRow {
  sourceKind: string;
  sourceId: string;
  targetKind: string;
  targetId: string;
  relation: string;
  createdTime: number;
}

export interface NewEdge {
  sourceKind: EdgeNodeKind;
  sourceId: string;
  targetKind: EdgeNodeKind;
  targetId: string;
  relation: EdgeRelation;
}

/** Adds an edge; recording the same edge again (a retry, parent and worker both) changes nothing. */
export function addEdge(db: SqliteDatabase, edge: NewEdge): void {
  db.prepare(
    `INSERT INTO lineage_edges (source_kind, source_id, target_kind, target_id, relation, created_time)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  ).run(edge.sourceKind, edge.sourceId, edge.targetKind, edge.targetId, edge.relation, Date.now());
}

/** Every edge into or out of one node, oldest first. */
export function edgesTouching(db: SqliteDatabase, kind: EdgeNodeKind, id: string): LineageEdgeRow[] {
  return db
    .prepare(
      `SELECT source_kind AS sourceKind, source_id AS sourceId, target_kind AS targetKind, target_id AS targetId, relation, created_time AS createdTime
       FROM lineage_edges WHERE (source_kind = ? AND source_id = ?) OR (target_kind = ? AND target_id = ?) ORDER BY edge_pk`,
    )
    .all(kind, id, kind, id) as LineageEdgeRow[];
}

export const modelUri = (runId: string) => `runs:/${runId}/model`;
