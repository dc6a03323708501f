import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MLDeskError } from '../errors.js';
import { openDatabase } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations.js';
import { TrackingStore } from '../store/tracking-store.js';
import { ModelRegistry } from './model-registry.js';

let dir: string;
let store: TrackingStore;
let registry: ModelRegistry;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-approvals-'));
  store = TrackingStore.open(dir);
  registry = new ModelRegistry(store.db);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(MLDeskError);
    return (error as MLDeskError).message;
  }
  throw new Error('expected a refusal');
}

/** A version of model `m` trained by `user` (the run's user_id and mlflow.user tag), registered by `creator`. */
function versionBy(user: string, creator: string, tagUser = user): string {
  const experimentId = store.experiments.create(`exp-${Math.random()}`, undefined, []);
  const runId = store.createRun({ experimentId, userId: user, runName: 'train', tags: [{ key: 'mlflow.user', value: tagUser }] }).info.run_id;
  try {
    registry.getModel('m');
  } catch {
    registry.createModel('m');
  }
  return registry.createVersion('m', { source: `runs:/${runId}/model`, runId, creator }).version;
}

describe('reviewer identity', () => {
  it('records the authenticated identity beside the name the reviewer gave, and the same for alias moves', () => {
    const version = versionBy('ana', 'ana');
    const review = registry.approvals.review('m', version, { reviewer: 'bo', reviewerDisplay: 'Ana (really)', decision: 'approved' });
    expect(review).toMatchObject({ reviewer_identity: 'bo', reviewer_display: 'Ana (really)' });
    expect(registry.approvals.reviews('m', version)).toEqual([expect.objectContaining({ reviewer_identity: 'bo', reviewer_display: 'Ana (really)', decision: 'approved' })]);
    registry.setAlias('m', 'champion', version, { actor: 'bo', actorDisplay: 'release-bot', reason: 'ship' });
    expect(registry.aliasHistory('m')).toEqual([expect.objectContaining({ actor_identity: 'bo', actor_display: 'release-bot', reason: 'ship' })]);
  });

  it('moves the self-attested names of a database from before identities into display names, with the identity unknown', () => {
    store.close();
    const path = join(dir, 'old.db');
    const old = new Database(path);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 6)) old.exec(migration.sql);
    old.pragma('user_version = 6');
    old.exec(`INSERT INTO registered_models (model_id, name, creation_timestamp, last_updated_timestamp) VALUES (1, 'm', 1, 1);
      INSERT INTO model_versions (version_pk, model_id, version, source, creation_timestamp, last_updated_timestamp) VALUES (1, 1, 1, '/x', 1, 1);
      INSERT INTO model_version_reviews (version_pk, reviewer, decision, created_time) VALUES (1, 'claimed-ana', 'approved', 5);
      INSERT INTO alias_audit (model_id, model_name, alias, to_version, actor, created_time) VALUES (1, 'm', 'champion', 1, 'claimed-bo', 6);`);
    old.close();
    const db = openDatabase(path);
    const migrated = new ModelRegistry(db);
    expect(migrated.approvals.reviews('m', 1)).toEqual([expect.objectContaining({ reviewer_identity: null, reviewer_display: 'claimed-ana', decision: 'approved' })]);
    expect(migrated.aliasHistory('m')).toEqual([expect.objectContaining({ actor_identity: null, actor_display: 'claimed-bo' })]);
    expect(migrated.settings()).toEqual({ four_eyes: false, updated_by: null, updated_time: null });
    db.close();
    store = TrackingStore.open(dir);
  });
});

describe('four-eyes review', () => {
  it('is off by default: the author may approve their own version into champion', () => {
    const version = versionBy('ana', 'ana');
    registry.approvals.review('m', version, { reviewer: 'ana', decision: 'approved' });
    registry.setAlias('m', 'champion', version, { actor: 'ana' });
    expect(registry.versionByAlias('m', 'champion').version).toBe(version);
  });

  it("refuses champion for a version whose only approvals come from its author, and accepts another person's", () => {
    expect(registry.setFourEyes(true, 'lead')).toMatchObject({ four_eyes: true, updated_by: 'lead' });
    const version = versionBy('ana', 'ana');
    expect(registry.authorsOf('m', version)).toEqual(['ana']);
    registry.approvals.review('m', version, { reviewer: 'ana', reviewerDisplay: 'bo', decision: 'approved' });
    registry.approvals.review('m', version, { reviewer: 'ANA', decision: 'approved' });
    expect(registry.approvals.approvalState('m', version)).toBe('approved');
    const message = refusal(() => registry.setAlias('m', 'champion', version, { actor: 'ana' }));
    expect(message).toMatch(/four-eyes review is on: a reviewer must differ from the version's author \(ana\), and its approvals come only from ana, ANA; someone else must approve it/);
    expect(registry.aliasHistory('m')).toEqual([]);

    registry.approvals.review('m', version, { reviewer: 'bo', decision: 'approved' });
    registry.setAlias('m', 'champion', version, { actor: 'ana' });
    expect(registry.versionByAlias('m', 'champion').version).toBe(version);
  });

  it("counts the run's user, its mlflow.user tag and who registered the version as authors", () => {
    registry.setFourEyes(true, 'lead');
    const version = versionBy('ana', 'cy', 'ana-laptop');
    expect(registry.authorsOf('m', version)).toEqual(['ana', 'ana-laptop', 'cy']);
    for (const reviewer of ['ana', 'ana-laptop', 'cy']) {
      registry.approvals.review('m', version, { reviewer, decision: 'approved' });
      expect(refusal(() => registry.setAlias('m', 'champion', version))).toMatch(/four-eyes/);
    }
  });

  it('counts only approvals since the latest rejection, and never an unverified reviewer', () => {
    registry.setFourEyes(true, 'lead');
    const version = versionBy('ana', 'ana');
    registry.approvals.review('m', version, { reviewer: 'bo', decision: 'approved' });
    registry.approvals.review('m', version, { reviewer: 'bo', decision: 'rejected', comment: 'drifts' });
    registry.approvals.review('m', version, { reviewer: 'ana', decision: 'approved', comment: 'fixed it' });
    expect(refusal(() => registry.setAlias('m', 'champion', version))).toMatch(/approvals come only from ana;/);

    store.db.prepare("INSERT INTO model_version_reviews (version_pk, reviewer_identity, reviewer_display, decision, created_time) VALUES (?, NULL, 'old-bo', 'approved', ?)").run(
      registry.versionRow('m', version).version_pk,
      Date.now() + 1,
    );
    expect(refusal(() => registry.setAlias('m', 'champion', version))).toMatch(/'old-bo' \(unverified, recorded before identities were\)/);
  });

  it('still refuses a version with no review or a rejected latest review, naming the reviewer', () => {
    const version = versionBy('ana', 'ana');
    expect(refusal(() => registry.setAlias('m', 'champion', version))).toMatch(/model m version 1 cannot become champion: it needs an approval first and has no review\. A reviewer approves it with `mldesk models approve m 1`/);
    registry.approvals.review('m', version, { reviewer: 'bo', decision: 'rejected' });
    expect(refusal(() => registry.setAlias('m', 'champion', version))).toMatch(/its latest review \(by bo\) rejected it/);
    expect(registry.approvals.approvalState('m', version)).toBe('rejected');
  });
});
