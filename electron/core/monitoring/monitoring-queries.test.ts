import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedMonitoring } from '../../../e2e/monitoring-seed.js';
import { createMonitoringReadHandlers } from '../../api/monitoring-read-handlers.js';
import { ModelRegistry } from '../registry/model-registry.js';
import { openTempStore, type TempStore } from '../store/test-store.js';
import { driftScore } from './monitoring-queries.js';

const FEATURES = ['a', 'b', 'c', 'd'].map((name) => ({ name, kind: 'numeric' as const }));

describe('driftScore', () => {
  it('puts every test and distance on one scale where 1 is the threshold', () => {
    expect(driftScore(0.2, null, 0.1)).toBeCloseTo(2);
    expect(driftScore(0.05, null, 0.1)).toBeCloseTo(0.5);
    expect(driftScore(0.3, 0.05, 0.05)).toBeCloseTo(1);
    expect(driftScore(0.3, 0.0025, 0.05)).toBeCloseTo(2);
    expect(driftScore(0.01, 1, 0.05)).toBe(0);
    expect(driftScore(null, null, 0.1)).toBeNull();
  });
});

describe('monitoring read operations', () => {
  let temp: TempStore;
  let handlers: ReturnType<typeof createMonitoringReadHandlers>;
  let windowIds: string[];

  beforeEach(() => {
    temp = openTempStore('monitoring-queries');
    const registry = new ModelRegistry(temp.store.db);
    registry.createModel('m');
    registry.createVersion('m', { source: '/models/m' });
    ({ windowIds } = seedMonitoring(temp.store.db, {
      model: 'm',
      version: '1',
      referenceDataset: null,
      referenceRows: 5000,
      features: FEATURES,
      classes: ['no', 'yes'],
      windows: 50,
      rowsPerWindow: 1000,
      driftedFeatures: ['b', 'c', 'd'],
      driftFrom: 40,
      startTime: 1_700_000_000_000,
      alert: true,
    }));
    handlers = createMonitoringReadHandlers({ store: temp.store, deployments: { list: () => [] } as never });
  });
  afterEach(() => temp.dispose());

  it('answers the timeline from stored windows alone (no prediction is logged here)', () => {
    expect(temp.store.db.prepare('SELECT count(*) FROM predictions').pluck().get()).toBe(0);
    const overview = handlers['monitoring.overview']({ model: 'm' });
    expect(overview.version).toBe('1');
    expect(overview.timeline.ids).toEqual(windowIds);
    expect(overview.timeline.datasetDrift.slice(0, 40).every((d) => d === false)).toBe(true);
    expect(overview.timeline.datasetDrift.slice(40).every((d) => d === true)).toBe(true);
    expect(overview.features.map((f) => f.name)).toEqual(['a', 'b', 'c', 'd', '__prediction__']);
    expect(overview.features[0]).toMatchObject({ kind: 'numeric', method: 'wasserstein', threshold: 0.1 });
    expect(overview.prediction?.bins).toEqual(['no', 'yes']);
    const accuracy = overview.quality.series.find((s) => s.metric === 'accuracy')!;
    expect(accuracy.threshold).toBe(0.8);
    // Labels stop coming back for the newest windows: there only the estimate is left.
    expect(accuracy.realised.at(-1)).toBeNull();
    expect(accuracy.estimated.at(-1)).not.toBeNull();
    expect(accuracy.lower.at(-1)!).toBeLessThan(accuracy.upper.at(-1)!);
    expect(overview.alerts.map((a) => a.state)).toEqual(['firing', 'resolved']);
    expect(overview.alerts[0]!.evidence).toEqual({ windows: windowIds.slice(-3), features: ['b', 'c', 'd'] });
  });

  it('gives a heat-map span ending at the window asked for, feature-major', () => {
    const heatmap = handlers['monitoring.heatmap']({ model: 'm', version: '1', until: windowIds[44]!, count: 10 });
    expect(heatmap.windowIds).toEqual(windowIds.slice(35, 45));
    expect(heatmap.features).toEqual(['a', 'b', 'c', 'd', '__prediction__']);
    expect(heatmap.drifted[0]!.every((d) => d === false)).toBe(true);
    expect(heatmap.drifted[1]!.slice(5)).toEqual([true, true, true, true, true]);
    expect(heatmap.score[1]![9]!).toBeGreaterThan(1);
    expect(() => handlers['monitoring.heatmap']({ model: 'm', version: '1', until: '999999', count: 10 })).toThrow("Field 'until': window 999999 is not a window of this version.");
  });

  it('rebuilds a cell as the ColumnDrift it was, with both distributions', () => {
    const { drift, window } = handlers['monitoring.cell']({ model: 'm', version: '1', window: windowIds.at(-1)!, column: 'b' });
    expect(window.id).toBe(windowIds.at(-1));
    expect(drift).toMatchObject({ column: 'b', type: 'numeric', method: 'wasserstein', threshold: 0.1, drifted: true, referenceRows: 5000, currentRows: 1000 });
    expect(drift.distributions?.kind).toBe('histogram');
    expect(drift.effectSize?.magnitude).toBe('large');
    // Without a column: the window's first drifted feature, else its first.
    expect(handlers['monitoring.cell']({ model: 'm', version: '1', window: windowIds.at(-1)! }).drift.column).toBe('b');
    expect(handlers['monitoring.cell']({ model: 'm', version: '1', window: windowIds[0]! }).drift.column).toBe('a');
    expect(() => handlers['monitoring.cell']({ model: 'm', version: '1', window: windowIds[0]!, column: 'zz' })).toThrow("holds no drift statistic for column 'zz'");
  });

  it('draws the lineage of a window down to its drifted statistics', () => {
    const { nodes, edges } = handlers['monitoring.lineage']({ model: 'm', version: '1', window: windowIds.at(-1)! });
    expect(nodes.map((n) => n.kind)).toContain('window');
    expect(nodes.filter((n) => n.kind === 'metric' && n.target.column && n.drifted).map((n) => n.target.column)).toEqual(expect.arrayContaining(['b', 'c', 'd', '__prediction__']));
    expect(edges).toContainEqual({ from: 'model_version:m/1', to: `window:${windowIds.at(-1)}`, relation: 'logged' });
  });

  it('shows the newest series when settings change, and no version at all as such', () => {
    temp.store.db.prepare("UPDATE monitoring_windows SET settings_sha256 = 'old', computed_time = computed_time - 1000 WHERE window_pk <= ?").run(Number(windowIds[9]));
    expect(handlers['monitoring.overview']({ model: 'm' }).timeline.ids).toEqual(windowIds.slice(10));
    new ModelRegistry(temp.store.db).createModel('empty');
    expect(handlers['monitoring.overview']({ model: 'empty' })).toMatchObject({ version: null, versions: [] });
    expect(() => handlers['monitoring.overview']({ model: 'm', version: '7' })).toThrow("Model 'm' has no version 7.");
  });
});
