import { describe, expect, it } from 'vitest';
import { qualityMetricInfo } from '../../../shared/quality-metrics.js';
import { windowQuality } from './window-quality.js';

describe('quality metric names', () => {
  it('every name windowQuality stores is described, with the way that is worse', () => {
    const classifier = windowQuality([
      { output: { label: 'a', probabilities: { a: 0.7, b: 0.3 }, warnings: [] }, actual: 'a', time: 0, labelTime: 5 },
      { output: { label: 'b', probabilities: { a: 0.2, b: 0.8 }, warnings: [] }, actual: 'a', time: 0, labelTime: 9 },
    ]);
    const regressor = windowQuality([{ output: { value: 1, warnings: [] }, actual: 2, time: 0, labelTime: 1 }]);
    for (const row of [...classifier, ...regressor]) {
      const info = qualityMetricInfo(row.column);
      expect(info, row.column).not.toBeNull();
      if (row.kind === 'estimated_quality') expect(info!.estimated, row.column).toBe(true);
    }
    expect(qualityMetricInfo('log_loss')!.higherIsBetter).toBe(false);
    expect(qualityMetricInfo('recall:b')).toMatchObject({ label: 'Recall (b)', higherIsBetter: true, className: 'b' });
    expect(qualityMetricInfo('f1:x:y')).toMatchObject({ label: 'F1 (x:y)', className: 'x:y' });
    expect(qualityMetricInfo('nonsense')).toBeNull();
  });
});
