import { useMemo } from 'react';
import { routeHref } from '../../app/router';
import { monitoringHref } from './monitoring-query';
import type { MonitoringLineage, MonitoringLineageNode } from './monitoring-types';

const NODE_W = 178;
const NODE_H = 48;
const GAP_X = 34;
const GAP_Y = 12;
const PAD = 8;
const COLUMN: Record<MonitoringLineageNode['kind'], number> = { dataset: 0, run: 1, model_version: 2, deployment: 3, window: 4, metric: 5 };
const KIND_NAME: Record<MonitoringLineageNode['kind'], string> = { dataset: 'Dataset version', run: 'Run', model_version: 'Model version', deployment: 'Deployment', window: 'Prediction window', metric: 'Monitoring metric' };

interface Placed {
  node: MonitoringLineageNode;
  x: number;
  y: number;
}

/** Columns by kind, each centred on the tallest (the metrics of the window). */
function layout(graph: MonitoringLineage): { nodes: Placed[]; width: number; height: number } {
  const columns = new Map<number, MonitoringLineageNode[]>();
  for (const node of graph.nodes) columns.set(COLUMN[node.kind], [...(columns.get(COLUMN[node.kind]) ?? []), node]);
  const tallest = Math.max(1, ...[...columns.values()].map((c) => c.length));
  const height = PAD * 2 + tallest * NODE_H + (tallest - 1) * GAP_Y;
  const used = [...columns.keys()].sort((a, b) => a - b);
  const nodes: Placed[] = [];
  used.forEach((column, slot) => {
    const list = columns.get(column)!;
    const span = list.length * NODE_H + (list.length - 1) * GAP_Y;
    list.forEach((node, i) => nodes.push({ node, x: PAD + slot * (NODE_W + GAP_X), y: (height - span) / 2 + i * (NODE_H + GAP_Y) }));
  });
  return { nodes, width: PAD * 2 + used.length * NODE_W + (used.length - 1) * GAP_X, height };
}

function href(model: string, version: string, node: MonitoringLineageNode): string {
  const t = node.target;
  if (node.kind === 'dataset' && t.dataset) return routeHref({ view: 'dataset', ref: t.dataset });
  if (node.kind === 'run' && t.runId) return `${routeHref({ view: 'run', runId: t.runId })}?tab=lineage`;
  if (node.kind === 'model_version') return `${routeHref({ view: 'model', name: model })}?version=${version}`;
  if (node.kind === 'deployment') return routeHref({ view: 'model', name: model });
  return monitoringHref(model, { version, window: t.window ?? null, feature: t.column ?? null });
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Dataset version → run → model version → deployment → window → each metric; every node a link. */
export function MetricsLineageGraph({ graph, model, version }: { graph: MonitoringLineage; model: string; version: string }) {
  const placed = useMemo(() => layout(graph), [graph]);
  const at = new Map(placed.nodes.map((p) => [p.node.id, p]));
  return (
    <div className="lineage-graph-scroll">
      <svg className="metrics-lineage" data-testid="metrics-lineage" width={placed.width} height={placed.height} role="group" aria-label="Metrics lineage graph">
        {graph.edges.map((edge) => {
          const a = at.get(edge.from);
          const b = at.get(edge.to);
          if (!a || !b) return null;
          const x1 = a.x + NODE_W;
          const y1 = a.y + NODE_H / 2;
          const x2 = b.x;
          const y2 = b.y + NODE_H / 2;
          const mid = (x1 + x2) / 2;
          return <path key={`${edge.from}>${edge.to}`} className="ml-edge" d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} data-relation={edge.relation} />;
        })}
        {placed.nodes.map(({ node, x, y }) => (
          <a key={node.id} href={href(model, version, node)} aria-label={`${KIND_NAME[node.kind]}: ${node.label}`} data-testid="metrics-lineage-node" data-kind={node.kind} data-node-id={node.id}>
            <g transform={`translate(${x} ${y})`} className={`ml-node kind-${node.kind}${node.drifted ? ' drifted' : ''}`}>
              <title>{`${KIND_NAME[node.kind]}: ${node.label}\n${node.detail}`}</title>
              <rect width={NODE_W} height={NODE_H} rx={8} className="ml-box" />
              <rect width={4} height={NODE_H - 12} x={6} y={6} rx={2} className="ml-bar" />
              <text x={16} y={20} className="ml-label">
                {clip(node.label, 22)}
              </text>
              <text x={16} y={37} className="ml-detail">
                {clip(node.detail, 28)}
              </text>
            </g>
          </a>
        ))}
      </svg>
    </div>
  );
}
