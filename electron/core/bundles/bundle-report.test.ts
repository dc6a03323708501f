import { afterEach, describe, expect, it } from 'vitest';
import type { BundleMeta } from '../../../shared/bundles.js';
import { openTempStore, type TempStore } from '../store/test-store.js';
import { renderBundleReport, REPORT_POINTS_PER_RUN } from './bundle-report.js';

const meta = (experimentId: string, name: string): BundleMeta => ({
  experiments: [{ id: experimentId, name }],
  runs: [],
  modelVersions: [],
  withData: false,
  anonymized: false,
  counts: { runs: 1, metricPoints: 0, artifacts: 0, artifactBytes: 0, datasets: 0 },
});

describe('renderBundleReport', () => {
  let temp: TempStore | undefined;
  afterEach(() => temp?.dispose());

  it('escapes what the author typed and loads nothing from anywhere', () => {
    temp = openTempStore('report');
    const { store } = temp;
    const experimentId = store.experiments.create('exp <b>', undefined, []);
    const run = store.createRun({ experimentId, runName: '<img src=https://evil.example/x onerror=alert(1)>', tags: [] });
    const runId = run.info.run_id;
    store.logBatch(runId, {
      params: [{ key: 'note', value: "\"><script>alert(1)</script><a href='http://evil.example'>x</a>" }],
      metrics: Array.from({ length: 999 }, (_, step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: step, step })),
      tags: [],
    });
    const html = renderBundleReport(store.db, meta(experimentId, 'exp <b>'));
    expect(html).not.toMatch(/<script|<img|<a /i);
    // No tag loads or links anything outside the file (escaped text may name URLs: it is no tag).
    const tags = html.match(/<[a-z][^>]*>/gi) ?? [];
    expect(tags.filter((tag) => /\b(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:[a-z]+:)?\/\//i.test(tag))).toEqual([]);
    expect(html).toContain('&lt;img src=https://evil.example/x onerror=alert(1)&gt;');
    expect(html).toContain("default-src 'none'");
    // One chart for the metric, its line downsampled.
    const path = /<path d="([^"]+)"/.exec(html)?.[1] ?? '';
    const points = path.split(/[ML]/).filter(Boolean).length;
    expect(points).toBeGreaterThan(100);
    expect(points).toBeLessThanOrEqual(REPORT_POINTS_PER_RUN);
  });

  it('says when no metric was logged, and keeps the signer it is given', () => {
    temp = openTempStore('report-empty');
    const { store } = temp;
    const experimentId = store.experiments.create('empty', undefined, []);
    store.createRun({ experimentId, runName: 'r1', tags: [] });
    const html = renderBundleReport(store.db, meta(experimentId, 'empty'), {
      signer: { name: 'ada@lab', fingerprint: 'SHA256:abc', publicKey: 'x' },
      createdTime: Date.UTC(2026, 0, 2, 3, 4, 5),
    });
    expect(html).toContain('No metrics were logged.');
    expect(html).toContain('signed by <b>ada@lab</b> (SHA256:abc)');
    expect(html).toContain('created 2026-01-02 03:04:05 UTC');
  });
});
