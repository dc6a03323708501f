import { useId, useMemo, type ReactNode } from 'react';
import type { LineageGraph as Graph } from '../../../../shared/lineage';
import { routeHref } from '../../app/router';
import { endEllipsis, middleEllipsis, parseDatasetDetail, parseRunDetail, runIdOfModelUri, runIdOfNode, splitDatasetRef } from './lineage-format';
import { layoutLineage, NODE_HEIGHT, NODE_WIDTH, type PlacedNode, type RunRole } from './lineage-layout';

const ROLE_CAPTION: Record<Exclude<RunRole, null>, string> = { current: 'This run', original: 'Original', reproduction: 'Reproduction' };
const KIND_NAME = { dataset: 'Dataset version', run: 'Run', model: 'Model', model_version: 'Model version', deployment: 'Deployment', predictions: 'Prediction log' } as const;

function KindIcon({ kind }: { kind: PlacedNode['node']['kind'] }) {
  // 16×16 glyphs centred in the node's icon disc.
  return (
    <g className="node-glyph" transform="translate(14 23)">
      {kind === 'dataset' && (
        <>
          <ellipse cx="8" cy="3.5" rx="6" ry="2.5" />
          <path d="M2 3.5v9c0 1.4 2.7 2.5 6 2.5s6-1.1 6-2.5v-9M2 8c0 1.4 2.7 2.5 6 2.5s6-1.1 6-2.5" />
        </>
      )}
      {kind === 'run' && <path className="filled" d="M5 2.5l8.5 5.5-8.5 5.5z" />}
      {kind === 'model' && <path d="M8 1.2l6.3 3.4v6.8L8 14.8l-6.3-3.4V4.6zM1.7 4.6L8 8l6.3-3.4M8 8v6.8" />}
      {kind === 'model_version' && <path d="M2 2h6.5L14 7.5 8.5 13 2 6.5zM5.2 4.6h.1" />}
      {kind === 'deployment' && <path d="M2.5 2.5h11v4.5h-11zM2.5 9h11v4.5h-11zM5 4.7h.1M5 11.2h.1" />}
      {kind === 'predictions' && <path d="M3 3.5h10M3 6.5h10M3 9.5h10M3 12.5h6" />}
    </g>
  );
}

/** Where clicking a node goes: another run's lineage, the dataset page, the producing run's files. */
function nodeHref(placed: PlacedNode): string | null {
  const { node } = placed;
  if (node.kind === 'dataset') return routeHref({ view: 'dataset', ref: node.id.replace(/^dataset:/, '') });
  if (node.kind === 'run') {
    const runId = runIdOfNode(node);
    return runId && !placed.isCurrent ? `${routeHref({ view: 'run', runId })}?tab=lineage` : null;
  }
  if (node.kind === 'model') {
    const runId = runIdOfModelUri(node.detail);
    return runId ? `${routeHref({ view: 'run', runId })}?tab=artifacts` : null;
  }
  // model_version:<name>/<version>, predictions:<name>/<version>: the version's page (its prediction log tab).
  const version = /^(?:model_version|predictions):(.+)\/(\d+)$/.exec(node.id);
  if (version) return `${routeHref({ view: 'model', name: version[1]! })}?version=${version[2]}${node.kind === 'predictions' ? '&tab=predictions' : ''}`;
  const served = /· (.+)@[^@]+$/.exec(node.detail);
  return node.kind === 'deployment' && served ? routeHref({ view: 'model', name: served[1]! }) : null;
}

function NodeText({ placed, clipId }: { placed: PlacedNode; clipId: string }) {
  const { node } = placed;
  let label: ReactNode = endEllipsis(node.label, 25);
  let detail: ReactNode;
  if (node.kind === 'dataset') {
    const ref = splitDatasetRef(node.label);
    label = (
      <>
        {endEllipsis(ref.name, 21)}
        {ref.version && <tspan className="node-version">@{ref.version}</tspan>}
      </>
    );
    const parsed = parseDatasetDetail(node.detail);
    detail =
      parsed.sha256Prefix === null ? (
        <tspan className="node-problem">{endEllipsis(parsed.text, 34)}</tspan>
      ) : (
        <>
          <tspan className="node-mono">{parsed.sha256Prefix.slice(0, 12)}</tspan> · {parsed.rows?.toLocaleString('en-US')} rows
        </>
      );
  } else if (node.kind === 'run') {
    const parsed = parseRunDetail(node.detail);
    detail =
      parsed.status === null ? (
        <tspan className="node-problem">{endEllipsis(parsed.text, 34)}</tspan>
      ) : (
        <>
          <tspan className={`node-status status-${parsed.status.toLowerCase()}`}>{parsed.status}</tspan>
          {` · ${endEllipsis(parsed.experiment ?? '', parsed.deleted ? 12 : 20)}`}
          {parsed.deleted && <tspan className="node-problem"> · deleted</tspan>}
        </>
      );
  } else if (node.kind === 'model') {
    label = 'Model';
    detail = <tspan className="node-mono">{middleEllipsis(node.detail, 29)}</tspan>;
  } else {
    detail = endEllipsis(node.detail, 34);
  }
  // Text is cut by character count; the clip catches a wide font that still overflows the box.
  return (
    <g clipPath={`url(#${clipId})`}>
      <text x="48" y="26" className="node-label">
        {label}
      </text>
      <text x="48" y="45" className="node-detail">
        {detail}
      </text>
    </g>
  );
}

function GraphNode({ placed, clipId }: { placed: PlacedNode; clipId: string }) {
  const { node } = placed;
  const href = nodeHref(placed);
  const caption = placed.role ? ROLE_CAPTION[placed.role] : null;
  const name = `${KIND_NAME[node.kind]} ${node.kind === 'model' ? node.detail : node.label}${caption ? ` (${caption.toLowerCase()})` : ''}`;
  const body = (
    <g
      className={`lineage-node kind-${node.kind}${placed.isCurrent ? ' current' : ''}${href ? ' clickable' : ''}`}
      transform={`translate(${placed.x} ${placed.y})`}
      data-testid="lineage-node"
      data-kind={node.kind}
      data-node-id={node.id}
      data-role={placed.role ?? undefined}
    >
      <title>{`${KIND_NAME[node.kind]}: ${node.kind === 'model' ? node.detail : node.label}\n${node.detail}`}</title>
      {caption && (
        <text x="2" y="-8" className="node-role">
          {caption.toUpperCase()}
        </text>
      )}
      <rect className="node-box" width={NODE_WIDTH} height={NODE_HEIGHT} rx="9" />
      <circle className="node-disc" cx="22" cy={NODE_HEIGHT / 2} r="15" />
      <KindIcon kind={node.kind} />
      <NodeText placed={placed} clipId={clipId} />
    </g>
  );
  if (!href) {
    return (
      <g role="img" aria-label={name} aria-current={placed.isCurrent ? 'page' : undefined}>
        {body}
      </g>
    );
  }
  return (
    <a href={href} aria-label={name} className="lineage-link">
      {body}
    </a>
  );
}

/** The lineage around a run as an SVG graph: datasets → runs → models, reproductions beside originals. */
export function LineageGraphView({ graph, runId }: { graph: Graph; runId: string }) {
  const layout = useMemo(() => layoutLineage(graph, runId), [graph, runId]);
  const markerId = useId().replace(/:/g, '');
  return (
    <div className="lineage-graph-scroll">
      <svg
        className="lineage-graph"
        data-testid="lineage-graph"
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width={layout.width}
        height={layout.height}
        role="group"
        aria-label="Lineage graph"
      >
        <defs>
          {['plain', 'reproduces'].map((kind) => (
            <marker key={kind} id={`${markerId}-${kind}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,1 L9,5 L0,9 z" className={`edge-arrow edge-arrow-${kind}`} />
            </marker>
          ))}
          <clipPath id={`${markerId}-text`}>
            <rect x="44" y="0" width={NODE_WIDTH - 52} height={NODE_HEIGHT} />
          </clipPath>
        </defs>
        {layout.edges.map((edge) => (
          <g key={`${edge.from}>${edge.to}>${edge.relation}`} className={`lineage-edge relation-${edge.relation}`} data-testid="lineage-edge" data-relation={edge.relation} data-from={edge.from} data-to={edge.to}>
            <path d={edge.path} markerEnd={`url(#${markerId}-${edge.relation === 'reproduces' ? 'reproduces' : 'plain'})`} />
            <text x={edge.labelX} y={edge.labelY} textAnchor={edge.labelAnchor} className="edge-label">
              {edge.relation}
            </text>
          </g>
        ))}
        {layout.nodes.map((placed) => (
          <GraphNode key={placed.node.id} placed={placed} clipId={`${markerId}-text`} />
        ))}
      </svg>
    </div>
  );
}

export function LineageLegend() {
  return (
    <span className="lineage-legend muted">
      {(['dataset', 'run', 'model', 'model_version', 'deployment', 'predictions'] as const).map((kind) => (
        <span key={kind} className={`legend-item kind-${kind}`}>
          <span className="legend-dot" aria-hidden="true" />
          {KIND_NAME[kind]}
        </span>
      ))}
    </span>
  );
}
