import { describe, expect, it } from 'vitest';
import type { ModelVersionInfo } from '../../../../shared/app-api/models';
import { chartRows, lowerIsBetter, metricKeys } from './model-metrics';

const version = (v: string, metrics: Record<string, number>): ModelVersionInfo => ({
  version: v,
  createdTime: 0,
  lastUpdated: 0,
  stage: 'None',
  description: '',
  source: '',
  status: 'READY',
  aliases: [],
  run: null,
  datasets: [],
  metrics,
  approval: 'pending',
  reviews: [],
  authors: [],
  championRefusal: null,
});

describe('version metrics', () => {
  it('puts validation accuracy and friends first, other keys after in name order', () => {
    const versions = [version('2', { zeta: 1, loss: 0.3, val_loss: 0.4 }), version('1', { val_accuracy: 0.9, alpha: 2 })];
    expect(metricKeys(versions)).toEqual(['val_accuracy', 'val_loss', 'loss', 'alpha', 'zeta']);
  });

  it('charts versions oldest first, marking the champion and leaving gaps for unlogged metrics', () => {
    const rows = chartRows([version('3', { acc: 0.9 }), version('2', {}), version('1', { acc: 0.7 })], 'acc', '1');
    expect(rows).toEqual([
      { label: 'v1', version: '1', value: 0.7, champion: true },
      { label: 'v2', version: '2', value: null, champion: false },
      { label: 'v3', version: '3', value: 0.9, champion: false },
    ]);
    expect(chartRows([version('3', {}), version('2', {}), version('1', {})], 'acc', null, 2).map((r) => r.version)).toEqual(['2', '3']);
  });

  it('knows losses and errors go down', () => {
    expect(lowerIsBetter('val_loss')).toBe(true);
    expect(lowerIsBetter('val_rmse')).toBe(true);
    expect(lowerIsBetter('val_accuracy')).toBe(false);
  });
});
