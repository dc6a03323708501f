import { describe, expect, it } from 'vitest';
import type { LineageGraph } from '../../../../shared/lineage';
import { layoutLineage, NODE_HEIGHT, NODE_WIDTH } from './lineage-layout';

const run = (id: string) => ({ id: `run:${id}`, kind: 'run' as const, label: id, detail: "FINISHED in 'e'" });
const model = (id: string) => ({ id: `model:runs:/${id}/model`, kind: 'model' as const, label: 'model', detail: `runs:/${id}/model` });
const dataset = { id: 'dataset:iris@1', kind: 'dataset' as const, label: 'iris@1', detail: 'sha256 9cc1c345c71b…, 150 rows' };
const trained = (id: string) => ({ from: dataset.id, to: `run:${id}`, relation: 'trained_on' });
const produced = (id: string) => ({ from: `run:${id}`, to: `model:runs:/${id}/model`, relation: 'produced' });
const reproduces = (copy: string, original: string) => ({ from: `run:${copy}`, to: `run:${original}`, relation: 'reproduces' });

function at(layout: ReturnType<typeof layoutLineage>, id: string) {
  const node = layout.nodes.find((n) => n.node.id === id);
  if (!node) throw new Error(`no node ${id}`);
  return node;
}

describe('layoutLineage', () => {
  it('draws dataset → run → model left to right on one row', () => {
    const graph: LineageGraph = { nodes: [run('a'), dataset, model('a')], edges: [trained('a'), produced('a')] };
    const layout = layoutLineage(graph, 'a');
    const [d, r, m] = [at(layout, dataset.id), at(layout, 'run:a'), at(layout, 'model:runs:/a/model')];
    expect(d.x).toBeLessThan(r.x);
    expect(r.x).toBeLessThan(m.x);
    expect(new Set([d.y, r.y, m.y]).size).toBe(1);
    expect(r.role).toBe('current');
    expect(layout.edges.map((e) => e.relation)).toEqual(['trained_on', 'produced']);
    // Edges leave a node's right side and enter the next one's left side.
    expect(layout.edges[0]!.path.startsWith(`M${d.x + NODE_WIDTH},${d.y + NODE_HEIGHT / 2}`)).toBe(true);
    expect(layout.edges[0]!.path.endsWith(`${r.x},${r.y + NODE_HEIGHT / 2}`)).toBe(true);
    expect(layout.width).toBeGreaterThanOrEqual(m.x + NODE_WIDTH);
    expect(layout.height).toBeGreaterThanOrEqual(m.y + NODE_HEIGHT);
  });

  it('puts the original above its reproduction, models level with their runs and the shared dataset between', () => {
    // The server lists the reproduction first when the page's run is the reproduction.
    const graph: LineageGraph = {
      nodes: [run('copy'), run('orig'), dataset, model('copy'), model('orig')],
      edges: [reproduces('copy', 'orig'), trained('copy'), produced('copy'), trained('orig'), produced('orig')],
    };
    const layout = layoutLineage(graph, 'copy');
    const original = at(layout, 'run:orig');
    const copy = at(layout, 'run:copy');
    expect(original.y).toBeLessThan(copy.y);
    expect(original.role).toBe('original');
    expect(copy.role).toBe('current');
    expect(at(layout, 'model:runs:/orig/model').y).toBe(original.y);
    expect(at(layout, 'model:runs:/copy/model').y).toBe(copy.y);
    expect(at(layout, dataset.id).y).toBe((original.y + copy.y) / 2);
    // Neighbours are joined by a straight vertical line from the copy's top to the original's bottom.
    const edge = layout.edges.find((e) => e.relation === 'reproduces')!;
    const x = copy.x + NODE_WIDTH / 2;
    expect(edge.path).toBe(`M${x},${copy.y} L${x},${original.y + NODE_HEIGHT}`);
  });

  it('marks reproductions of the page run and routes far-apart ones as arcs without overlapping nodes', () => {
    const graph: LineageGraph = {
      nodes: [run('orig'), dataset, run('r1'), run('r2'), run('r3')],
      edges: [trained('orig'), reproduces('r1', 'orig'), reproduces('r2', 'orig'), reproduces('r3', 'orig')],
    };
    const layout = layoutLineage(graph, 'orig');
    const runs = layout.nodes.filter((n) => n.node.kind === 'run').sort((a, b) => a.y - b.y);
    expect(runs.map((n) => n.node.id)).toEqual(['run:orig', 'run:r1', 'run:r2', 'run:r3']);
    expect(runs.slice(1).every((n) => n.role === 'reproduction')).toBe(true);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.y).toBeGreaterThanOrEqual(runs[i - 1]!.y + NODE_HEIGHT);
    const far = layout.edges.find((e) => e.from === 'run:r3')!;
    expect(far.path).toContain('C');
    expect(far.path.startsWith(`M${runs[3]!.x + NODE_WIDTH},`)).toBe(true);
  });

  it('keeps several datasets of one column apart', () => {
    const other = { ...dataset, id: 'dataset:wine@2', label: 'wine@2' };
    const graph: LineageGraph = { nodes: [run('a'), dataset, other], edges: [trained('a'), { from: other.id, to: 'run:a', relation: 'trained_on' }] };
    const layout = layoutLineage(graph, 'a');
    const [first, second] = [at(layout, dataset.id), at(layout, other.id)].sort((a, b) => a.y - b.y);
    expect(second!.y - first!.y).toBeGreaterThanOrEqual(NODE_HEIGHT);
  });

  it('draws a run without lineage alone and ignores edges to nodes it does not have', () => {
    const layout = layoutLineage({ nodes: [run('a')], edges: [{ from: 'dataset:gone@1', to: 'run:a', relation: 'trained_on' }] }, 'a');
    expect(layout.nodes).toHaveLength(1);
    expect(layout.edges).toHaveLength(0);
  });
});
