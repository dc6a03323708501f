import type { LineageGraph, LineageNode } from '../../../../shared/lineage';

/**
 * A left-to-right layout for the small lineage graph around one run: datasets in the first
 * column, runs in the second, models in the third. Each model sits level with the run that
 * produced it; each dataset at the middle of the runs trained on it. Runs are ordered so that an
 * original is followed by its reproductions: `reproduces` edges then run inside the run column,
 * straight between neighbours and as an arc on the right for runs further apart.
 */

export const NODE_WIDTH = 256;
export const NODE_HEIGHT = 62;
const COLUMN_GAP = 116;
const ROW_GAP = 44;
const PAD_X = 12;
/** Room above the first row for the role caption ("THIS RUN") drawn over each run node. */
const PAD_TOP = 26;
const PAD_BOTTOM = 14;
const ARC_BULGE = 26;

export type RunRole = 'current' | 'original' | 'reproduction' | null;

export interface PlacedNode {
  node: LineageNode;
  x: number;
  y: number;
  column: number;
  /** How this run relates to the page's run; null for datasets and models. */
  role: RunRole;
  isCurrent: boolean;
}

export interface PlacedEdge {
  from: string;
  to: string;
  relation: string;
  path: string;
  labelX: number;
  labelY: number;
  /** Where the label sits relative to its point. */
  labelAnchor: 'middle' | 'start';
}

export interface LineageLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

/** Past the model, lineage reaches forward: registered versions, the deployments serving them, their prediction logs. */
const COLUMN: Record<LineageNode['kind'], number> = { dataset: 0, run: 1, model: 2, model_version: 3, deployment: 4, predictions: 5 };

const columnX = (column: number) => PAD_X + column * (NODE_WIDTH + COLUMN_GAP);
const rowY = (row: number) => PAD_TOP + row * (NODE_HEIGHT + ROW_GAP);

/** Originals first, each followed by its reproductions; otherwise the server's order. */
function orderRuns(runs: LineageNode[], reproduces: Map<string, string>): LineageNode[] {
  const byId = new Map(runs.map((n) => [n.id, n]));
  const ordered: LineageNode[] = [];
  const placed = new Set<string>();
  const place = (node: LineageNode) => {
    if (placed.has(node.id)) return;
    placed.add(node.id);
    ordered.push(node);
    for (const [copy, original] of reproduces) if (original === node.id && byId.has(copy)) place(byId.get(copy)!);
  };
  for (const node of runs) {
    const original = reproduces.get(node.id);
    if (!original || !byId.has(original)) place(node);
  }
  // Cycles cannot come from the server, but every node must still be drawn.
  for (const node of runs) place(node);
  return ordered;
}

function roleOf(id: string, currentId: string, reproduces: Map<string, string>): RunRole {
  if (id === currentId) return 'current';
  if (reproduces.get(currentId) === id) return 'original';
  if (reproduces.get(id) === currentId) return 'reproduction';
  return null;
}

/** Spreads the wanted y positions of one column so no two nodes overlap, keeping their order. */
function spread(wanted: Array<{ id: string; y: number }>): Map<string, number> {
  const sorted = [...wanted].sort((a, b) => a.y - b.y);
  const out = new Map<string, number>();
  let next = PAD_TOP;
  for (const item of sorted) {
    const y = Math.max(item.y, next);
    out.set(item.id, y);
    next = y + NODE_HEIGHT + ROW_GAP;
  }
  return out;
}

function horizontalEdge(from: PlacedNode, to: PlacedNode): Pick<PlacedEdge, 'path' | 'labelX' | 'labelY' | 'labelAnchor'> {
  const x1 = from.x + NODE_WIDTH;
  const y1 = from.y + NODE_HEIGHT / 2;
  const x2 = to.x;
  const y2 = to.y + NODE_HEIGHT / 2;
  const dx = (x2 - x1) / 2;
  return { path: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`, labelX: (x1 + x2) / 2, labelY: (y1 + y2) / 2 - 6, labelAnchor: 'middle' };
}

function withinColumnEdge(from: PlacedNode, to: PlacedNode, rowsApart: number): Pick<PlacedEdge, 'path' | 'labelX' | 'labelY' | 'labelAnchor'> {
  const down = to.y > from.y;
  if (rowsApart <= 1) {
    const x = from.x + NODE_WIDTH / 2;
    const y1 = down ? from.y + NODE_HEIGHT : from.y;
    const y2 = down ? to.y : to.y + NODE_HEIGHT;
    return { path: `M${x},${y1} L${x},${y2}`, labelX: x + 8, labelY: (y1 + y2) / 2 + 4, labelAnchor: 'start' };
  }
  // Leave and enter off-centre so the arc stays clear of the produced edges at mid-height.
  const x = from.x + NODE_WIDTH;
  const y1 = from.y + NODE_HEIGHT * (down ? 0.75 : 0.25);
  const y2 = to.y + NODE_HEIGHT * (down ? 0.25 : 0.75);
  const bulge = x + ARC_BULGE + 10 * rowsApart;
  return { path: `M${x},${y1} C${bulge},${y1} ${bulge},${y2} ${x},${y2}`, labelX: x + ARC_BULGE / 2 + 8 * rowsApart, labelY: (y1 + y2) / 2 + 4, labelAnchor: 'start' };
}

export function layoutLineage(graph: LineageGraph, currentRunId: string): LineageLayout {
  const currentId = `run:${currentRunId}`;
  const known = graph.nodes.filter((n) => n.kind in COLUMN);
  const ids = new Set(known.map((n) => n.id));
  const edges = graph.edges.filter((e) => ids.has(e.from) && ids.has(e.to));
  const reproduces = new Map(edges.filter((e) => e.relation === 'reproduces').map((e) => [e.from, e.to]));

  const runs = orderRuns(
    known.filter((n) => n.kind === 'run'),
    reproduces,
  );
  const runRow = new Map(runs.map((n, row) => [n.id, row]));
  const y = new Map(runs.map((n) => [n.id, rowY(runRow.get(n.id)!)]));

  // Models level with their run; datasets at the middle of the runs they fed.
  const modelWanted = known
    .filter((n) => n.kind === 'model')
    .map((n, index) => {
      const producer = edges.find((e) => e.to === n.id && e.relation === 'produced' && runRow.has(e.from));
      return { id: n.id, y: producer ? y.get(producer.from)! : rowY(runs.length + index) };
    });
  const datasetWanted = known
    .filter((n) => n.kind === 'dataset')
    .map((n, index) => {
      const fed = edges.filter((e) => e.from === n.id && runRow.has(e.to)).map((e) => y.get(e.to)!);
      return { id: n.id, y: fed.length ? fed.reduce((a, b) => a + b, 0) / fed.length : rowY(index) };
    });
  for (const [id, value] of [...spread(modelWanted), ...spread(datasetWanted)]) y.set(id, value);
  // Each forward column level with what it came from (the first incoming edge already placed).
  for (const kind of ['model_version', 'deployment', 'predictions'] as const) {
    const wanted = known
      .filter((n) => n.kind === kind)
      .map((n, index) => {
        const source = edges.find((e) => e.to === n.id && y.has(e.from));
        return { id: n.id, y: source ? y.get(source.from)! : rowY(index) };
      });
    for (const [id, value] of spread(wanted)) y.set(id, value);
  }

  const nodes: PlacedNode[] = known.map((node) => ({
    node,
    column: COLUMN[node.kind],
    x: columnX(COLUMN[node.kind]),
    y: y.get(node.id) ?? PAD_TOP,
    role: node.kind === 'run' ? roleOf(node.id, currentId, reproduces) : null,
    isCurrent: node.id === currentId,
  }));
  const placed = new Map(nodes.map((n) => [n.node.id, n]));

  const placedEdges: PlacedEdge[] = edges.map((edge) => {
    const from = placed.get(edge.from)!;
    const to = placed.get(edge.to)!;
    const geometry =
      from.column === to.column
        ? withinColumnEdge(from, to, Math.abs((runRow.get(edge.from) ?? 0) - (runRow.get(edge.to) ?? 0)))
        : from.column < to.column
          ? horizontalEdge(from, to)
          : horizontalEdge(to, from);
    return { from: edge.from, to: edge.to, relation: edge.relation, ...geometry };
  });

  // At least three columns, so the run stays in the middle even when a side is missing.
  const width = columnX(Math.max(2, ...nodes.map((n) => n.column))) + NODE_WIDTH + PAD_X;
  const height = Math.max(...nodes.map((n) => n.y + NODE_HEIGHT), PAD_TOP + NODE_HEIGHT) + PAD_BOTTOM;
  return { width, height, nodes, edges: placedEdges };
}
