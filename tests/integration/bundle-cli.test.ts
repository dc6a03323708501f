/**
 * `mldesk bundle export` / `mldesk bundle import` as a user runs them: the compiled CLI in child
 * processes (npm run build first) over real data dirs; the importing side then answers MLflow's
 * REST API from `mldesk serve`.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedArchive } from '../../electron/core/bundles/archive-reader.js';
import { osUser, seedAuthor, type SeededAuthor } from '../fixtures/bundles.js';
import { cleanupTempDirs, makeTempDir, runCli, startServer, stopAllServers } from './server-process.js';

let author = '';
let work = '';
let seeded: SeededAuthor;
const cli = (args: string[]) => runCli(['bundle', ...args], { timeoutMs: 60_000 });

beforeAll(async () => {
  author = await makeTempDir('bundle-author');
  work = await makeTempDir('bundle-work');
  seeded = await seedAuthor(author);
}, 60_000);
afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

/** Rows of every table (archive_imports aside), to show an import changed nothing or everything. */
function tableCounts(dataDir: string): Record<string, number> {
  const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all() as string[];
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number]));
  } finally {
    db.close();
  }
}

/** A run as both stores must show it: everything but the store's own keys. */
function runSnapshot(dataDir: string, runId: string) {
  const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
  try {
    const run = db.prepare('SELECT run_pk, name, user_id, status, start_time, end_time, lifecycle_stage FROM runs WHERE run_uuid = ?').get(runId) as { run_pk: number } & Record<string, unknown>;
    const { run_pk: pk, ...info } = run;
    return {
      info,
      params: db.prepare('SELECT key, value FROM params WHERE run_pk = ? ORDER BY key').all(pk),
      tags: db.prepare('SELECT key, value FROM tags WHERE run_pk = ? ORDER BY key').all(pk),
      metrics: db.prepare('SELECT key, step, timestamp, value, is_nan FROM metrics WHERE run_pk = ? ORDER BY key, step, timestamp').all(pk),
      latest: db.prepare('SELECT key, value, is_nan, step, timestamp FROM latest_metrics WHERE run_pk = ? ORDER BY key').all(pk),
      blocks: db.prepare('SELECT key, level, block, count, sum, min, max FROM metric_blocks WHERE run_pk = ? ORDER BY key, level, block').all(pk),
      artifacts: db.prepare('SELECT path, file_size, sha256 FROM artifacts WHERE run_pk = ? ORDER BY path').all(pk),
      inputs: db.prepare('SELECT d.name, d.digest, d.source FROM run_inputs i JOIN datasets d ON d.dataset_pk = i.dataset_pk WHERE i.run_pk = ?').all(pk),
      edges: db.prepare(`SELECT source_kind, source_id, target_kind, target_id, relation FROM lineage_edges WHERE source_id = ? OR target_id = ? ORDER BY relation, source_id`).all(runId, runId),
    };
  } finally {
    db.close();
  }
}

function artifactDirOf(dataDir: string, runId: string): string {
  const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
  try {
    const uri = db.prepare('SELECT artifact_uri FROM runs WHERE run_uuid = ?').pluck().get(runId) as string;
    expect(uri).toMatch(/^mlflow-artifacts:\/\d+\/[0-9a-f]{32}\/artifacts$/);
    return join(dataDir, 'artifacts', uri.slice('mlflow-artifacts:/'.length));
  } finally {
    db.close();
  }
}

describe('mldesk bundle export / import', () => {
  it('round-trips into an empty store: same runs, full histories, params, tags, artifacts byte for byte, lineage, registry; re-import changes nothing', async () => {
    const bundle = join(work, 'study.mldesk');
    const exported = await cli(['export', '--experiment', seeded.experiment, '--with-data', '-o', bundle, '--data-dir', author]);
    expect(exported.stderr).toMatch(/100% \(/);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/3 runs, 1,800 metric points/);

    const target = await makeTempDir('bundle-empty');
    const imported = await cli(['import', bundle, '--json', '--data-dir', target]);
    expect(imported.code, imported.stderr).toBe(0);
    const result = JSON.parse(imported.stdout) as { alreadyImported: boolean; runs: { imported: boolean }[]; conflicts: string[]; artifacts: { files: number } };
    expect(result.alreadyImported).toBe(false);
    expect(result.runs.filter((r) => r.imported)).toHaveLength(3);
    expect(result.conflicts).toEqual([]);
    expect(result.artifacts.files).toBe(9);

    for (const runId of seeded.runIds) {
      const before = runSnapshot(author, runId);
      expect(before.metrics).toHaveLength(600);
      // The only difference: the author's absolute paths, made relative in every bundle.
      const relative = JSON.parse(JSON.stringify(before).replaceAll(author, '<data-dir>').replaceAll(`${homedir()}/`, '~/')) as typeof before;
      expect(relative.params).not.toEqual(before.params);
      expect(runSnapshot(target, runId)).toEqual(relative);
      const dir = artifactDirOf(target, runId);
      for (const [path, bytes] of seeded.artifacts.get(runId)!) expect(readFileSync(join(dir, path)).equals(bytes)).toBe(true);
      expect(readFileSync(join(dir, 'lineage.json'))).toEqual(readFileSync(join(artifactDirOf(author, runId), 'lineage.json')));
    }
    const registry = (dataDir: string) => {
      const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
      try {
        return {
          versions: db.prepare('SELECT m.name, v.version, v.source, v.run_id, v.creator_identity FROM model_versions v JOIN registered_models m USING (model_id) ORDER BY v.version').all(),
          reviews: db.prepare('SELECT reviewer_identity, decision, comment FROM model_version_reviews').all(),
          aliases: db.prepare('SELECT alias, version FROM registered_model_aliases').all(),
          audit: db.prepare('SELECT model_name, alias, from_version, to_version, actor_identity, reason FROM alias_audit').all(),
          datasets: db.prepare('SELECT n.name, v.version, v.sha256, v.row_count FROM dataset_versions v JOIN named_datasets n USING (dataset_id)').all(),
        };
      } finally {
        db.close();
      }
    };
    expect(registry(target)).toEqual(registry(author));
    const sha = (registry(author).datasets[0] as { sha256: string }).sha256;
    expect(readFileSync(join(target, 'blobs', 'sha256', sha.slice(0, 2), sha.slice(2)))).toEqual(readFileSync(join(author, 'blobs', 'sha256', sha.slice(0, 2), sha.slice(2))));
    expect(readdirSync(join(target, 'artifacts')).filter((name) => name.startsWith('.'))).toEqual([]);

    const counts = tableCounts(target);
    const again = await cli(['import', bundle, '--data-dir', target]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/imported before .*nothing changed/);
    expect(tableCounts(target)).toEqual(counts);

    // Another bundle holding the same runs (a new export: another manifest) adds nothing either.
    const other = join(work, 'study-again.mldesk');
    expect((await cli(['export', '--experiment', seeded.experiment, '--run', seeded.runIds[0]!, '--run', seeded.runIds[1]!, '-o', other, '--data-dir', author])).code).toBe(0);
    const third = await cli(['import', other, '--json', '--data-dir', target]);
    expect(third.code, third.stderr).toBe(0);
    expect((JSON.parse(third.stdout) as { runs: { imported: boolean }[] }).runs.every((r) => !r.imported)).toBe(true);
    const after = tableCounts(target);
    expect({ ...after, archive_imports: counts.archive_imports }).toEqual(counts);
    expect(after.archive_imports).toBe(counts.archive_imports! + 1);
  }, 120_000);

  it('imports into a store whose ids collide: new experiment id, renumbered versions, artifacts and lineage still linked; the MLflow REST API serves the runs', async () => {
    const bundle = join(work, 'collide.mldesk');
    expect((await cli(['export', '--experiment', seeded.experiment, '-o', bundle, '--data-dir', author])).code).toBe(0);
    const target = await makeTempDir('bundle-busy');
    // The same ids taken by someone else's work: experiment 1, churn/1 and churn/2, churn@champion, dataset churn@1 (other rows).
    await seedAuthor(target, { experiment: 'other-study', runs: 2, steps: 20, datasetRows: 40 });
    const imported = await cli(['import', bundle, '--json', '--data-dir', target]);
    expect(imported.code, imported.stderr).toBe(0);
    const result = JSON.parse(imported.stdout) as { experiments: { name: string; id: string; created: boolean }[]; modelVersions: { version: string; importedAs: string }[]; conflicts: string[] };
    expect(result.experiments).toEqual([{ name: seeded.experiment, id: '2', created: true }]);
    expect(result.modelVersions.map((v) => [v.version, v.importedAs])).toEqual([['1', '3'], ['2', '4']]);
    expect(result.conflicts.join('\n')).toMatch(/Experiment 'churn-study': its id 1 is taken here, imported as experiment 2/);
    expect(result.conflicts.join('\n')).toMatch(/Model version churn\/1 is taken here .*imported as churn\/3/);
    expect(result.conflicts.join('\n')).toMatch(/Alias churn@champion stays on version 1 here/);
    expect(result.conflicts.join('\n')).toMatch(/Dataset version churn@1 is churn@2 here \(version 1 here holds other content\)/);

    const db = new Database(join(target, 'mldesk.db'), { readonly: true });
    try {
      for (const runId of seeded.runIds) {
        const dir = artifactDirOf(target, runId);
        expect(dir).toContain(join('artifacts', '2', runId));
        for (const [path, bytes] of seeded.artifacts.get(runId)!) expect(readFileSync(join(dir, path)).equals(bytes)).toBe(true);
      }
      const source = db.prepare("SELECT source FROM model_versions WHERE version = 4").pluck().get() as string;
      expect(source).toBe(`mlflow-artifacts:/2/${seeded.runIds[1]}/artifacts/model`);
      const edges = db.prepare("SELECT target_id FROM lineage_edges WHERE source_id = ? AND relation = 'registered_as'").pluck().all(seeded.runIds[0]) as string[];
      expect(edges).toEqual(['churn/3']);
      expect(db.prepare('SELECT count(*) FROM model_version_reviews r JOIN model_versions v USING (version_pk) WHERE v.version = 3').pluck().get()).toBe(1);
      // The run's lineage names this store's dataset version: tags, id and the trained_on edge.
      const tags = Object.fromEntries(
        (db.prepare("SELECT t.key, t.value FROM tags t JOIN runs r USING (run_pk) WHERE r.run_uuid = ? AND t.key LIKE 'mldesk.lineage.data.%'").all(seeded.runIds[0]) as { key: string; value: string }[]).map((t) => [t.key, t.value]),
      );
      const churn2 = db.prepare("SELECT v.version_id FROM dataset_versions v JOIN named_datasets n USING (dataset_id) WHERE n.name = 'churn' AND v.version = 2").pluck().get();
      expect(tags).toMatchObject({ 'mldesk.lineage.data.ref': 'churn@2', 'mldesk.lineage.data.version': '2', 'mldesk.lineage.data.dataset_version_id': String(churn2), 'mldesk.lineage.data.source': 'mldesk-dataset:churn@2' });
      expect(db.prepare("SELECT source_id FROM lineage_edges WHERE target_id = ? AND relation = 'trained_on'").pluck().all(seeded.runIds[0])).toEqual(['churn@2']);
      const lineageBytes = readFileSync(join(artifactDirOf(target, seeded.runIds[0]!), 'lineage.json'));
      expect((JSON.parse(lineageBytes.toString()) as { data: unknown }).data).toMatchObject({ ref: 'churn@2', version: 2, datasetVersionId: churn2 });
      expect(db.prepare("SELECT a.sha256 FROM artifacts a JOIN runs r USING (run_pk) WHERE r.run_uuid = ? AND a.path = 'lineage.json'").pluck().get(seeded.runIds[0])).toBe(createHash('sha256').update(lineageBytes).digest('hex'));
    } finally {
      db.close();
    }

    const server = await startServer({ dataDir: target });
    const search = await server.post<{ runs: { info: { run_id: string; artifact_uri: string }; data: { params: unknown[] } }[] }>('runs/search', { experiment_ids: ['2'], max_results: 10 });
    expect(search.status).toBe(200);
    expect(search.body.runs.map((r) => r.info.run_id).sort()).toEqual([...seeded.runIds].sort());
    const history = await server.get<{ metrics: unknown[] }>('metrics/get-history', { run_id: seeded.runIds[2]!, metric_key: 'loss' });
    expect(history.body.metrics).toHaveLength(300);
    const file = await server.get(`/api/2.0/mlflow-artifacts/artifacts/2/${seeded.runIds[0]}/artifacts/model/weights.bin`);
    expect(file.status).toBe(200);
    await server.stop();
  }, 120_000);

  it('--anonymize leaves no user name, host name or data-dir path anywhere in the bundle, and the same person gets the same pseudonym', async () => {
    const bundle = join(work, 'anon.mldesk');
    const result = await cli(['export', '--experiment', seeded.experiment, '--anonymize', '--with-data', '-o', bundle, '--data-dir', author]);
    expect(result.code, result.stderr).toBe(0);
    const reader = await openSignedArchive(bundle, { kind: 'bundle' });
    const word = (w: string) => new RegExp(`(?<![A-Za-z0-9_])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`);
    try {
      expect(reader.manifest.signer.name).toBe('anonymous');
      const manifestText = JSON.stringify(reader.manifest);
      for (const entry of reader.manifest.entries) {
        const text = (await reader.read(entry.path)).toString('latin1');
        expect(text, entry.path).not.toContain(author);
        expect(text, entry.path).not.toContain(`${homedir()}/`);
        // Binary entries (random weights, SQLite pages) may hold a short name by chance: the store's text is checked value by value below.
        if (entry.path.endsWith('weights.bin') || entry.path === 'store.sqlite') continue;
        expect(text, entry.path).not.toMatch(word(seeded.user));
        expect(text, entry.path).not.toMatch(word(hostname()));
      }
      expect(manifestText).not.toMatch(word(osUser()));
      const store = join(work, 'anon-store.sqlite');
      writeFileSync(store, await reader.read('store.sqlite'));
      const db = new Database(store, { readonly: true });
      try {
        const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
        let values = 0;
        for (const table of tables) {
          for (const row of db.prepare(`SELECT * FROM "${table}"`).raw().all() as unknown[][]) {
            for (const value of row) {
              if (typeof value !== 'string') continue;
              values += 1;
              expect(value, table).not.toMatch(word(seeded.user));
              expect(value, table).not.toMatch(word(hostname()));
              expect(value, table).not.toContain(homedir());
            }
          }
        }
        expect(values).toBeGreaterThan(100);
        expect(db.prepare("SELECT DISTINCT value FROM tags WHERE key = 'mlflow.user'").pluck().all()).toEqual(['user-1']);
        expect(db.prepare('SELECT DISTINCT user_id FROM runs').pluck().all()).toEqual(['user-1']);
        expect(db.prepare('SELECT reviewer_identity FROM model_version_reviews').pluck().all()).toEqual(['user-1']);
        expect(db.prepare("SELECT value FROM tags WHERE key = 'mlflow.note.content' LIMIT 1").pluck().get()).toBe('Trained by user-1 on host-1.');
      } finally {
        db.close();
      }
    } finally {
      reader.close();
    }
  }, 60_000);

  it('without --anonymize the store still holds no absolute path of the data dir', async () => {
    const bundle = join(work, 'plain.mldesk');
    expect((await cli(['export', '--experiment', seeded.experiment, '-o', bundle, '--data-dir', author])).code).toBe(0);
    const reader = await openSignedArchive(bundle, { kind: 'bundle' });
    try {
      const store = (await reader.read('store.sqlite')).toString('latin1');
      expect(store).not.toContain(author);
      expect(store).toContain('<data-dir>/cache');
      expect((await reader.read('report.html')).toString()).toContain('mlp-0');
    } finally {
      reader.close();
    }
  }, 60_000);

  it('refuses bad input with exit 2 naming the flag, and leaves nothing behind', async () => {
    const out = await makeTempDir('bundle-refused');
    const bundle = join(out, 'x.mldesk');
    const cases: [string[], RegExp][] = [
      [['--experiment', 'nope'], /'--experiment': no experiment has that name/],
      [['--experiment', seeded.experiment, '--run', 'f'.repeat(32)], /'--run': no run has that id/],
      [['--experiment', 'Default', '--run', seeded.runIds[0]!], /'--run': the run belongs to experiment 'churn-study'/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(['export', ...args, '-o', bundle, '--data-dir', author]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const missing = await cli(['export', '--experiment', seeded.experiment, '-o', join(out, 'no', 'such', 'x.mldesk'), '--data-dir', author]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/'-o': the folder .* does not exist/);
    expect(readdirSync(out)).toEqual([]);

    const notBundle = join(out, 'not-a-bundle.mldesk');
    writeFileSync(notBundle, 'hello');
    const target = await makeTempDir('bundle-untouched');
    const refused = await cli(['import', notBundle, '--data-dir', target]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not a zip archive/);
  }, 60_000);

  it('refuses a bundle with one changed byte (exit 1, naming the entry) and leaves the store as it was', async () => {
    const bundle = join(work, 'tampered.mldesk');
    expect((await cli(['export', '--experiment', seeded.experiment, '-o', bundle, '--data-dir', author])).code).toBe(0);
    const bytes = readFileSync(bundle);
    // notes.txt is stored deflated but small: change a byte of the (stored, uncompressed) weights instead.
    const reader = await openSignedArchive(bundle);
    const entry = reader.manifest.entries.find((e) => e.path.endsWith('weights.bin'))!;
    reader.close();
    const weights = readFileSync(join(artifactDirOf(author, entry.path.split('/')[2]!), 'model', 'weights.bin'));
    const at = bytes.indexOf(weights.subarray(1000, 1064));
    expect(at).toBeGreaterThan(0);
    bytes[at + 10] = bytes[at + 10]! ^ 0xff;
    writeFileSync(bundle, bytes);
    const target = await makeTempDir('bundle-tamper-target');
    await seedAuthor(target, { experiment: 'mine', runs: 1, steps: 10 });
    const before = tableCounts(target);
    const refused = await cli(['import', bundle, '--data-dir', target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(entry.path);
    expect(refused.stderr).toMatch(/SHA-256/);
    expect(tableCounts(target)).toEqual(before);
    expect(readdirSync(join(target, 'artifacts')).sort()).toEqual(['1']);
    expect(existsSync(join(target, 'artifacts', '2'))).toBe(false);
  }, 60_000);
});
