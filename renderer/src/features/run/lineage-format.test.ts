import { describe, expect, it } from 'vitest';
import { formatDiff, reproductionsOf, formatExact, formatTolerance, middleEllipsis, parseDatasetDetail, parseRunDetail, parseTolerance, runIdOfModelUri, splitDatasetRef } from './lineage-format';

describe('lineage formatting', () => {
  it('reads the server node details', () => {
    expect(parseRunDetail("FINISHED in 'lineage e2e'")).toMatchObject({ status: 'FINISHED', experiment: 'lineage e2e', deleted: false });
    expect(parseRunDetail("FAILED in 'x', deleted")).toMatchObject({ status: 'FAILED', deleted: true });
    expect(parseRunDetail('no longer in this data directory')).toMatchObject({ status: null, text: 'no longer in this data directory' });
    expect(parseDatasetDetail('sha256 9cc1c345c71b…, 150 rows')).toMatchObject({ sha256Prefix: '9cc1c345c71b', rows: 150 });
    expect(parseDatasetDetail('missing from this data directory')).toMatchObject({ sha256Prefix: null, rows: null });
    expect(runIdOfModelUri('runs:/abc123/model')).toBe('abc123');
    expect(splitDatasetRef('my@data@3')).toEqual({ name: 'my@data', version: '3' });
    expect(splitDatasetRef('iris')).toEqual({ name: 'iris', version: null });
  });

  it('keeps both ends of long ids', () => {
    expect(middleEllipsis('runs:/b8811da04ac8480497261f2cd42fcf57/model', 21)).toBe('runs:/b881…cf57/model');
    expect(middleEllipsis('short', 21)).toBe('short');
  });

  it('prints numbers so late-digit differences stay visible', () => {
    expect(formatExact(0.8583333333333333)).toBe('0.858333333333');
    expect(formatExact(0.8583333333343333)).not.toBe(formatExact(0.8583333333333333));
    expect(formatExact(3)).toBe('3');
    expect(formatExact(null)).toBe('—');
    expect(formatDiff(0)).toBe('0');
    expect(formatDiff(1.234e-9)).toBe('1.23e-9');
    expect(formatDiff(0.25)).toBe('0.25');
  });

  it('parses and explains tolerances', () => {
    expect(parseTolerance('')).toEqual({ value: 0 });
    expect(parseTolerance(' 0.001 ')).toEqual({ value: 0.001 });
    expect(parseTolerance('-1')).toHaveProperty('error');
    expect(parseTolerance('2')).toHaveProperty('error');
    expect(parseTolerance('abc')).toHaveProperty('error');
    expect(formatTolerance(0)).toBe('exact (0)');
    expect(formatTolerance(0.001)).toBe('0.001 relative (0.1 %)');
  });

  it('lists the runs reproducing a run, not the run it reproduces', () => {
    const graph = {
      nodes: [
        { id: 'run:orig', kind: 'run' as const, label: 'orig', detail: "FINISHED in 'e'" },
        { id: 'run:copy', kind: 'run' as const, label: 'orig-reproduction', detail: "RUNNING in 'e'" },
        { id: 'run:up', kind: 'run' as const, label: 'older', detail: "FINISHED in 'e'" },
      ],
      edges: [
        { from: 'run:copy', to: 'run:orig', relation: 'reproduces' },
        { from: 'run:orig', to: 'run:up', relation: 'reproduces' },
        { from: 'dataset:iris@1', to: 'run:orig', relation: 'trained_on' },
      ],
    };
    expect(reproductionsOf(graph, 'orig')).toEqual([{ runId: 'copy', name: 'orig-reproduction', status: 'RUNNING' }]);
    expect(reproductionsOf(graph, 'copy')).toEqual([]);
  });
});
