import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataDirLayout } from '../data-dir.js';
import { openDatabase } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations.js';
import { DatasetStore, nameFromFile } from './dataset-store.js';
import { DatasetFileError } from './table-reader.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mldesk-${label}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function setup() {
  const dataDir = tempDir('data');
  const inputs = tempDir('inputs');
  const store = DatasetStore.open(dataDir);
  cleanups.unshift(() => store.close());
  const write = (name: string, content: string) => {
    const path = join(inputs, name);
    writeFileSync(path, content);
    return path;
  };
  return { dataDir, store, write };
}

/** Every file under a directory, as relative paths with '/'. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const CSV_V1 = 'x,flag,label,note\n1.5,true,a,first\n2,false,b,\n,TRUE,a,third\n4,false,a,fourth\n';
const CSV_V2 = `${CSV_V1}5.5,true,b,fifth\n`;

describe('DatasetStore.importFile', () => {
  it('imports a CSV as version 1 with hash, size, rows, format, schema and stats, stored content-addressed', async () => {
    const { store, write, dataDir } = setup();
    const { version, created } = await store.importFile(write('flowers.csv', CSV_V1));
    expect(created).toBe(true);
    expect(version).toMatchObject({
      name: 'flowers',
      version: 1,
      ref: 'flowers@1',
      sha256: sha256(CSV_V1),
      format: 'csv',
      rows: 4,
      bytes: Buffer.byteLength(CSV_V1),
      originalFileName: 'flowers.csv',
    });
    expect(version.schema.map((c) => [c.name, c.type, c.nullCount])).toEqual([
      ['x', 'numeric', 1],
      ['flag', 'boolean', 0],
      ['label', 'categorical', 0],
      ['note', 'text', 1],
    ]);
    expect(version.stats[0]).toMatchObject({ kind: 'numeric', count: 3, min: 1.5, max: 4, mean: 2.5 });
    const hash = sha256(CSV_V1);
    const blob = join(dataDir, 'blobs', 'sha256', hash.slice(0, 2), hash.slice(2));
    expect(store.blobPath(version)).toBe(blob);
    expect(readFileSync(blob, 'utf8')).toBe(CSV_V1);
    // Nothing left in the staging area.
    expect(filesUnder(join(dataDir, 'blobs'))).toEqual([`sha256/${hash.slice(0, 2)}/${hash.slice(2)}`]);
  });

  it('gives the same version for the same bytes, under the same or another file name', async () => {
    const { store, write, dataDir } = setup();
    const first = await store.importFile(write('flowers.csv', CSV_V1));
    const again = await store.importFile(write('flowers.csv', CSV_V1));
    const renamed = await store.importFile(write('copy of flowers.csv', CSV_V1));
    expect(again).toEqual({ version: first.version, created: false });
    expect(renamed).toEqual({ version: first.version, created: false });
    expect(store.list().map((d) => [d.name, d.versionCount])).toEqual([['flowers', 1]]);
    expect(filesUnder(join(dataDir, 'blobs'))).toHaveLength(1);
  });

  it('makes changed content the next version of the same dataset, and finds old content again', async () => {
    const { store, write } = setup();
    const path = write('flowers.csv', CSV_V1);
    await store.importFile(path);
    writeFileSync(path, CSV_V2);
    const second = await store.importFile(path);
    expect(second.created).toBe(true);
    expect(second.version).toMatchObject({ ref: 'flowers@2', rows: 5, sha256: sha256(CSV_V2) });
    writeFileSync(path, CSV_V1);
    expect((await store.importFile(path)).version.ref).toBe('flowers@1');
    expect(store.getVersion('flowers').version).toBe(2);
    expect(store.getVersion('flowers@1').sha256).toBe(sha256(CSV_V1));
    expect(store.getVersion('flowers', 1).rows).toBe(4);
    expect(store.get('flowers').versions.map((v) => v.version)).toEqual([1, 2]);
    expect(store.list()).toEqual([
      expect.objectContaining({ name: 'flowers', versionCount: 2, latestVersion: 2, latestRows: 5, latestColumns: 4, latestSha256: sha256(CSV_V2) }),
    ]);
  });

  it('stores the same bytes under an explicit new name as version 1 of that dataset, sharing one blob', async () => {
    const { store, write, dataDir } = setup();
    await store.importFile(write('flowers.csv', CSV_V1));
    const named = await store.importFile(write('flowers.csv', CSV_V1), { name: 'petals' });
    expect(named.created).toBe(true);
    expect(named.version.ref).toBe('petals@1');
    expect(store.findBySha256(sha256(CSV_V1)).map((v) => v.ref)).toEqual(['flowers@1', 'petals@1']);
    expect(filesUnder(join(dataDir, 'blobs'))).toHaveLength(1);
  });

  it('creates one version when the same new bytes are imported concurrently', async () => {
    const { store, write } = setup();
    const path = write('flowers.csv', CSV_V1);
    const results = await Promise.all([store.importFile(path), store.importFile(path), store.importFile(path, { name: 'flowers' })]);
    expect(new Set(results.map((r) => r.version.ref))).toEqual(new Set(['flowers@1']));
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('imports JSON lines', async () => {
    const { store, write } = setup();
    const { version } = await store.importFile(write('events.jsonl', '{"id":1,"ok":true}\n{"id":2,"ok":false,"tag":"x"}\n'));
    expect(version).toMatchObject({ name: 'events', format: 'jsonl', rows: 2 });
    expect(version.schema.map((c) => `${c.name}:${c.type}:${c.nullCount}`)).toEqual(['id:integer:0', 'ok:boolean:0', 'tag:text:1']);
  });

  it('stores nothing for bad input, and says which file, line and problem', async () => {
    const { store, write, dataDir } = setup();
    const ragged = write('ragged.csv', 'a,b\n1,2\n3\n');
    await expect(store.importFile(ragged)).rejects.toThrow(new DatasetFileError(ragged, 3, 'ragged row: it has 1 field but the header has 2.'));
    const empty = write('empty.csv', '');
    await expect(store.importFile(empty)).rejects.toThrow(`${empty}: the file is empty.`);
    const badJson = write('bad.jsonl', '{"a":1}\n{"a":\n');
    await expect(store.importFile(badJson)).rejects.toThrow(new RegExp(`bad\\.jsonl: line 2: invalid JSON`));
    await expect(store.importFile(write('table.xlsx', 'PK...'))).rejects.toThrow(/table\.xlsx: unknown format/);
    await expect(store.importFile(join(dataDir, 'missing.csv'))).rejects.toThrow(/missing\.csv: no such file/);
    await expect(store.importFile(write('ok.csv', CSV_V1), { name: 'bad@name' })).rejects.toThrow(/Invalid dataset name 'bad@name'/);
    expect(store.list()).toEqual([]);
    expect(filesUnder(join(dataDir, 'blobs'))).toEqual([]);
  });

  it('derives dataset names from file names', () => {
    expect(nameFromFile('/data/Churn Data (2024).csv')).toBe('Churn-Data-2024');
    expect(nameFromFile('/data/_tmp.csv')).toBe('tmp');
    expect(nameFromFile('/data/@@@.csv')).toBe('dataset');
  });
});

describe('DatasetStore lookups', () => {
  it('explains unknown datasets, versions and malformed references', async () => {
    const { store, write } = setup();
    await store.importFile(write('flowers.csv', CSV_V1));
    expect(() => store.getVersion('nope')).toThrow(/No dataset named 'nope'/);
    expect(() => store.getVersion('flowers@7')).toThrow("Dataset 'flowers' has no version 7; its latest version is 1.");
    expect(() => store.getVersion('flowers@0')).toThrow(/version after '@' must be a whole number/);
    expect(() => store.getVersion('flowers@latest')).not.toThrow();
    expect(() => store.get('nope')).toThrow(/No dataset named 'nope'/);
  });
});

describe('blobs, verify and readRows', () => {
  it('reads rows typed per the schema, nulls as null', async () => {
    const { store, write } = setup();
    const { version } = await store.importFile(write('flowers.csv', CSV_V1));
    const table = await store.readRows(version.ref);
    expect(table.columns.map((c) => c.name)).toEqual(['x', 'flag', 'label', 'note']);
    expect(table.rows).toEqual([
      [1.5, true, 'a', 'first'],
      [2, false, 'b', null],
      [null, true, 'a', 'third'],
      [4, false, 'a', 'fourth'],
    ]);
  });

  it('detects a tampered blob in verify() and readRows(), and a new import of the original repairs it', async () => {
    const { store, write } = setup();
    const path = write('flowers.csv', CSV_V1);
    const { version } = await store.importFile(path);
    expect(await store.verify(version)).toMatchObject({ ok: true, actualSha256: version.sha256 });

    writeFileSync(store.blobPath(version), CSV_V1.replace('1.5', '9.5'));
    const damaged = await store.verify('flowers@1');
    expect(damaged.ok).toBe(false);
    expect(damaged.actualSha256).toBe(sha256(CSV_V1.replace('1.5', '9.5')));
    expect(damaged.problem).toMatch(/modified after import/);
    await expect(store.readRows(version)).rejects.toThrow(/Cannot read flowers@1: its blob .* hashes to [0-9a-f]{64}, not/);

    // Tampering that breaks the format is still reported as a changed blob, not as a CSV error.
    writeFileSync(store.blobPath(version), 'x,flag\n1\n');
    await expect(store.readRows(version)).rejects.toThrow(/Cannot read flowers@1: its blob .* hashes to/);

    rmSync(store.blobPath(version));
    expect(await store.verify(version)).toMatchObject({ ok: false, problem: 'the blob is missing' });
    await expect(store.readRows(version)).rejects.toThrow(/is missing/);

    expect((await store.importFile(path)).created).toBe(false);
    expect((await store.verify(version)).ok).toBe(true);
    expect((await store.readRows(version)).rows).toHaveLength(4);
  });
});

describe('migration 3', () => {
  it('upgrades a database written at schema version 2', async () => {
    const dataDir = tempDir('upgrade');
    const old = new Database(dataDirLayout(dataDir).database);
    for (const migration of MIGRATIONS.filter((m) => m.version <= 2)) old.exec(migration.sql);
    old.pragma('user_version = 2');
    old.close();
    const store = DatasetStore.open(dataDir);
    cleanups.unshift(() => store.close());
    const path = join(tempDir('upgrade-input'), 'up.csv');
    writeFileSync(path, CSV_V1);
    expect((await store.importFile(path)).version.ref).toBe('up@1');
  });

  it('keeps one row per (dataset, content) and refuses wrongly typed values (STRICT)', async () => {
    const { store, write, dataDir } = setup();
    await store.importFile(write('flowers.csv', CSV_V1));
    const db = openDatabase(dataDirLayout(dataDir).database);
    cleanups.unshift(() => db.close());
    const copy = `INSERT INTO dataset_versions (dataset_id, version, sha256, format, row_count, byte_size, schema_json, stats_json, original_file_name, created_time)
      SELECT dataset_id, ?, sha256, format, row_count, byte_size, schema_json, stats_json, original_file_name, created_time FROM dataset_versions`;
    expect(() => db.prepare(copy).run(2)).toThrow(/UNIQUE constraint failed: dataset_versions.dataset_id, dataset_versions.sha256/);
    expect(() => db.prepare("UPDATE dataset_versions SET row_count = 'many'").run()).toThrow(/cannot store TEXT value in INTEGER column/);
    expect(() => db.prepare("INSERT INTO dataset_versions (dataset_id, version, sha256, format, row_count, byte_size, schema_json, stats_json, original_file_name, created_time) VALUES (99, 1, ?, 'csv', 1, 1, '[]', '[]', 'f', 1)").run('a'.repeat(64))).toThrow(/FOREIGN KEY/);
  });
});

describe('performance', () => {
  it('imports and reads back a 50,000-row x 20-column CSV (time printed, not asserted: speed belongs to bench/)', async () => {
    const { store, write } = setup();
    const header = Array.from({ length: 20 }, (_, j) => `c${j}`).join(',');
    const lines = [header];
    const categories = ['alpha', 'beta', 'gamma', 'delta'];
    for (let i = 0; i < 50_000; i++) {
      const row: string[] = [];
      for (let j = 0; j < 20; j++) {
        row.push(j % 4 === 0 ? categories[(i * 7 + j) % 4]! : j % 4 === 1 ? String((i * 31 + j) % 1000) : (Math.sin(i + j) * 100).toFixed(4));
      }
      lines.push(row.join(','));
    }
    const path = write('wide.csv', `${lines.join('\n')}\n`);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const { version } = await store.importFile(path);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const elapsed = performance.now() - started;
    console.log(`import of 50,000 x 20 CSV (${(version.bytes / 1e6).toFixed(1)} MB): ${elapsed.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU`);
    expect(version.rows).toBe(50_000);
    expect(version.schema.map((c) => c.type).slice(0, 4)).toEqual(['categorical', 'integer', 'numeric', 'numeric']);
    const readStarted = performance.now();
    const table = await store.readRows(version);
    console.log(`readRows of the same version: ${(performance.now() - readStarted).toFixed(0)} ms`);
    expect(table.rows).toHaveLength(50_000);
  }, 30_000);
});
