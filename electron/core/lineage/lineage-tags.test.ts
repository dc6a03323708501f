import { describe, expect, it } from 'vitest';
import { RunLineageSchema } from '../../../shared/lineage.js';
import { keyProblem, LIMITS } from '../../../shared/tracking-limits.js';
import { lineageFromTags, lineageTags } from './lineage-tags.js';
import { sampleLineage } from './test-lineage.js';

const RUN = '0123456789abcdef0123456789abcdef';

describe('lineage tags', () => {
  it('name every area and field as mldesk.lineage.<area>.<field>, readable as plain values', () => {
    const tags = Object.fromEntries(lineageTags(sampleLineage(RUN)).map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({
      'mldesk.lineage.code.commit': 'a'.repeat(40),
      'mldesk.lineage.code.branch': 'main',
      'mldesk.lineage.code.dirty': 'true',
      'mldesk.lineage.code.diff_sha256': 'b'.repeat(64),
      'mldesk.lineage.code.config_sha256': 'c'.repeat(64),
      'mldesk.lineage.env.backend': 'wasm',
      'mldesk.lineage.env.tfjs': '4.22.0',
      'mldesk.lineage.env.gpu': 'NVIDIA GeForce RTX 4090, 550.54.14, 24564 MiB',
      'mldesk.lineage.env.electron': '45.5.0',
      'mldesk.lineage.env.package_lock_sha256': 'd'.repeat(64),
      'mldesk.lineage.data.sha256': 'e'.repeat(64),
      'mldesk.lineage.data.ref': 'churn@3',
      'mldesk.lineage.data.dataset_version_id': '7',
      'mldesk.lineage.data.rows': '5000',
      'mlflow.source.git.commit': 'a'.repeat(40),
    });
    for (const [key, value] of Object.entries(tags)) {
      expect(keyProblem('tag', key), key).toBeNull();
      expect(value.length).toBeLessThanOrEqual(LIMITS.maxTagValueLength);
    }
  });

  it('read back into the same record, including absent (null) fields', () => {
    const full = sampleLineage(RUN);
    expect(lineageFromTags(lineageTags(full))).toEqual({ ...full, runId: '' });

    const sparse = sampleLineage(RUN, {
      code: { projectDir: '/tmp/x', git: null, gitProblem: 'not a git repository', configSha256: 'c'.repeat(64) },
      data: { kind: 'table', name: 'inline', ref: null, version: null, datasetVersionId: null, sha256: null, rows: 3, source: 'memory' },
      reproductionOf: 'f'.repeat(32),
    });
    sparse.environment = { ...sparse.environment, gpus: [], electron: null, packageLockSha256: null };
    const tags = lineageTags(sparse);
    expect(tags).toContainEqual({ key: 'mldesk.lineage.code.commit', value: 'not a git repository' });
    expect(tags).toContainEqual({ key: 'mldesk.lineage.env.gpu', value: 'none' });
    expect(tags.some((t) => t.key === 'mldesk.lineage.env.electron' || t.key === 'mlflow.source.git.commit')).toBe(false);
    const back = lineageFromTags(tags);
    expect(back).toEqual({ ...sparse, runId: '' });
    expect(RunLineageSchema.safeParse({ ...back, runId: RUN }).success).toBe(true);
  });

  it('give null for a run without them or with a broken set', () => {
    expect(lineageFromTags([{ key: 'mlflow.runName', value: 'x' }])).toBeNull();
    const tags = lineageTags(sampleLineage(RUN)).filter((t) => t.key !== 'mldesk.lineage.env.tfjs');
    expect(lineageFromTags(tags)).toBeNull();
  });
});
