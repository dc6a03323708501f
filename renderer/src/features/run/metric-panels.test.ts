import { describe, expect, it } from 'vitest';
import { trimSeries } from '../../components/charts/chart-model';
import { curveEnd, metricPanels } from './metric-panels';
import { datasetSource } from './run-overview';

describe('metricPanels', () => {
  it('puts x and val_x in one chart and keys logged once in values', () => {
    const { values, charts } = metricPanels(['val_loss', 'loss', 'accuracy', 'val_accuracy', 'val_auc', 'restored_epoch', 'test_f1', 'system/cpu'], new Set(['restored_epoch', 'test_f1']));
    expect(values).toEqual(['restored_epoch', 'test_f1']);
    expect(charts).toEqual([
      { keys: ['accuracy', 'val_accuracy'], title: 'accuracy · val_accuracy' },
      { keys: ['loss', 'val_loss'], title: 'loss · val_loss' },
      { keys: ['system/cpu'], title: 'system/cpu' },
      { keys: ['val_auc'], title: 'val_auc' },
    ]);
  });

  it('a val_ key whose twin was logged once keeps its own chart', () => {
    expect(metricPanels(['loss', 'val_loss'], new Set(['loss'])).charts).toEqual([{ keys: ['val_loss'], title: 'val_loss' }]);
  });
});

describe('curveEnd and trimSeries', () => {
  const run = { startTime: 1_000, latestMetrics: [{ key: 'restored_epoch', value: 4, step: 9, timestamp: 6_000 }] };
  it('ends the curves before the restored model\'s point on every axis', () => {
    expect(curveEnd(run)?.end).toEqual({ step: 9, wall: 6_000, relative: 5 });
    expect(curveEnd({ startTime: 0, latestMetrics: [] })).toBeNull();
    const series = { runId: 'r', key: 'val_loss', total: 9, sampled: false, x: [1, 2, 8, 9], y: [0.9, 0.5, 0.6, 0.45] };
    expect(trimSeries([series], 9)[0]).toMatchObject({ x: [1, 2, 8], y: [0.9, 0.5, 0.6] });
    expect(trimSeries([series], undefined)[0]).toBe(series);
  });
});

describe('datasetSource', () => {
  it('reads the dataset version out of the source JSON', () => {
    expect(datasetSource('{"uri":"mldesk-dataset:iris@1"}')).toEqual({ datasetRef: 'iris@1', text: 'mldesk-dataset:iris@1' });
    expect(datasetSource('{"uri":"s3://bucket/data.csv"}')).toEqual({ datasetRef: null, text: 's3://bucket/data.csv' });
    expect(datasetSource('plain')).toEqual({ datasetRef: null, text: 'plain' });
  });
});
