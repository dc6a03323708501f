import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, resolve } from 'node:path';
import { BUNDLE_STORE_PATH, BundleMetaSchema, type ArchiveVerification, type BundleMeta, type TrustedKey } from '../../../shared/bundles.js';
import { dataDirLayout } from '../data-dir.js';
import { migrate, type SqliteDatabase } from '../store/database.js';
import { SCHEMA_VERSION } from '../store/migrations.js';
import { metricQueueOf } from '../store/metric-queue.js';
import { ArchiveError, openSignedArchive, type ArchiveReader } from './archive-reader.js';
import { BundleArtifacts } from './bundle-artifacts.js';
import { makeBundleDir } from './bundle-temp-dirs.js';
import type { EarlyOpening } from './early-store-copy.js';
import { canonicalJson } from './canonical-json.js';
import type { ArtifactCheck, OpenBundleContext } from './open-bundle.js';
import { TrustedKeys } from './trusted-keys.js';

/** Why a bundle is not opened; `notABundle` (not a signed archive, or another kind) makes the CLI exit 2, else 1. */
export class BundleOpenError extends Error {
  constructor(
    message: string,
    readonly path: string | null,
    readonly notABundle = false,
  ) {
    super(message);
    this.name = 'BundleOpenError';
  }
}

export interface OpenBundleOptions {
  /** The reviewer's own data dir: read (trusted keys) but never written. */
  homeDataDir: string;
  artifactCheck?: ArtifactCheck;
  /**
   * A private data dir whose store copy was started before this (early-store-copy.ts), so the copy
   * overlaps with loading modules and checking the archive. The copy is used only if the signed
   * manifest names its exact size and SHA-256; otherwise store.sqlite is copied again the ordinary way
   * (which names what is wrong). The dir is removed like one made here, on failure or close().
   */
  earlyOpening?: EarlyOpening;
}

/** A bundle ready to serve: its store copied to a private temp data dir, removed by close(). */
export interface OpenedBundle {
  readonly context: OpenBundleContext;
  readonly meta: BundleMeta;
  /** The private data dir the services open: a migrated copy of store.sqlite, plus the checked artifacts. */
  readonly dataDir: string;
  readonly artifacts: BundleArtifacts;
  close(): Promise<void>;
}

/** Tables whose absence means store.sqlite is no MLDesk store, whatever its user_version says. */
const REQUIRED_TABLES = ['experiments', 'runs'];

/**
 * The trusted key for a fingerprint in the home data dir's store, opened read-only. A read-only
 * connection to a WAL database still creates its -wal and -shm files (better-sqlite3 takes no URI
 * with immutable=1), so the ones this read created, empty, are removed: the reviewer's data dir is
 * left as it was.
 */
export function homeTrustedKey(homeDataDir: string, fingerprint: string): TrustedKey | null {
  return readHomeTrustedKeys(homeDataDir, (keys) => keys.byFingerprint(fingerprint), null);
}

/** Every key the reviewer trusts, read the same way (the keys card over an opened bundle). */
export function homeTrustedKeyList(homeDataDir: string): TrustedKey[] {
  return readHomeTrustedKeys(homeDataDir, (keys) => keys.list(), []);
}

function readHomeTrustedKeys<T>(homeDataDir: string, read: (keys: TrustedKeys) => T, none: T): T {
  const path = dataDirLayout(homeDataDir).database;
  if (!existsSync(path)) return none;
  const sidecars = [`${path}-wal`, `${path}-shm`].filter((sidecar) => !existsSync(sidecar));
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    return read(new TrustedKeys(db));
  } catch {
    // An older store without trusted_keys (or one being rewritten) trusts nobody.
    return none;
  } finally {
    db?.close();
    // A non-empty -wal means another process wrote meanwhile: its files are then left alone.
    const wal = `${path}-wal`;
    const untouched = !existsSync(wal) || statSync(wal).size === 0;
    if (untouched) for (const sidecar of sidecars) rmSync(sidecar, { force: true });
  }
}

/**
 * Readies the bundle's store for serving: trusted_schema off before anything reads the schema (the
 * file comes from someone else: its views and triggers must not call functions with side effects),
 * refuses a newer schema, migrates an older one, then closes it for the services to reopen.
 */
function prepareStore(path: string): void {
  const db = new Database(path);
  try {
    db.pragma('trusted_schema = OFF');
    // A private temp copy needs no durability: without this, switching it to WAL (here or when the
    // services open it) fsyncs the whole freshly written file, ~0.5 s for a 400 MB store.
    db.pragma('synchronous = OFF');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new BundleOpenError(
        `${BUNDLE_STORE_PATH}: written by a newer MLDesk (store schema ${version}; this version reads up to ${SCHEMA_VERSION}). Upgrade MLDesk to open this bundle.`,
        BUNDLE_STORE_PATH,
      );
    }
    const tables = new Set((db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name));
    const missing = REQUIRED_TABLES.filter((table) => !tables.has(table));
    if (version === 0 || missing.length > 0) {
      throw new BundleOpenError(`${BUNDLE_STORE_PATH}: not an MLDesk store (schema version ${version}${missing.length ? `, no ${missing.join(', ')} table` : ''}).`, BUNDLE_STORE_PATH);
    }
    db.pragma('journal_mode = WAL');
    migrate(db, BUNDLE_STORE_PATH);
    // Points still queued would be folded by the first read: done now, while writing is allowed.
    metricQueueOf(db).fold();
  } catch (error) {
    if (error instanceof BundleOpenError) throw error;
    throw new BundleOpenError(`${BUNDLE_STORE_PATH}: cannot be opened as an MLDesk store (${(error as Error).message}).`, BUNDLE_STORE_PATH);
  } finally {
    db.close();
  }
}

function fromArchiveError(error: unknown): never {
  if (error instanceof ArchiveError) throw new BundleOpenError(error.message, error.path, error.notAnArchive);
  throw error;
}

/**
 * Opens a `.mldesk` bundle for read-only viewing: structure and signature checked, store.sqlite
 * hash-checked as it is copied into a private temp dir (before SQLite opens it), then artifacts per `artifactCheck`.
 * The reviewer's data dir is only read (its trusted keys).
 */
export async function openBundle(file: string, options: OpenBundleOptions): Promise<OpenedBundle> {
  const path = resolve(file);
  const artifactCheck = options.artifactCheck ?? 'in-background';
  const early = options.earlyOpening;
  let reader: ArchiveReader;
  try {
    reader = await openSignedArchive(path, { kind: 'bundle' });
  } catch (error) {
    if (early) await discardEarly(early);
    fromArchiveError(error);
  }
  let dataDir: string | null = early?.dataDir ?? null;
  try {
    const { manifest } = reader;
    const meta = BundleMetaSchema.safeParse(manifest.meta);
    if (!meta.success) {
      const issue = meta.error.issues[0];
      throw new BundleOpenError(`manifest.json: its bundle summary (meta) is invalid: ${issue ? `${issue.path.join('.') || 'meta'} ${issue.message}` : 'invalid'}`, 'manifest.json');
    }
    if (!reader.has(BUNDLE_STORE_PATH)) throw new BundleOpenError(`${BUNDLE_STORE_PATH}: missing, so this bundle holds no runs to show.`, BUNDLE_STORE_PATH);
    dataDir ??= await makeBundleDir(tmpdir());
    const database = dataDirLayout(dataDir).database;
    // Copied and hash-checked before SQLite reads a byte of it: a changed store is refused unopened.
    const expected = manifest.entries.find((entry) => entry.path === BUNDLE_STORE_PATH)!;
    const earlyCopy = early ? await early.copy : null;
    if (!earlyCopy || earlyCopy.size !== expected.size || earlyCopy.sha256 !== expected.sha256) {
      if (early) await rm(database, { force: true });
      await reader.extractEntry(BUNDLE_STORE_PATH, database).catch(fromArchiveError);
    }
    prepareStore(database);
    const artifacts = new BundleArtifacts(reader, dataDir);
    if (artifactCheck === 'before-serving') {
      await artifacts.extractAll();
      const [first] = artifacts.problems;
      if (first) throw new BundleOpenError(first.message, first.path);
    }
    const trusted = homeTrustedKey(options.homeDataDir, manifest.signer.fingerprint);
    const bytes = manifest.entries.reduce((sum, entry) => sum + entry.size, 0);
    const base: ArchiveVerification = {
      ok: true,
      kind: 'bundle',
      signer: manifest.signer,
      trusted: trusted !== null && trusted.publicKey === manifest.signer.publicKey,
      trustedName: trusted?.name ?? null,
      entries: manifest.entries.length,
      bytes,
      problem: null,
    };
    const context: OpenBundleContext = {
      file: path,
      manifest,
      // The writer signs canonical JSON, so this is manifest.json's bytes for every bundle MLDesk wrote.
      manifestSha256: createHash('sha256').update(canonicalJson(manifest)).digest('hex'),
      homeDataDir: resolve(options.homeDataDir),
      artifactCheck,
      artifactProgress: () => artifacts.progress,
      artifactsChecked: () => artifacts.extractAll(),
      artifactProblem: (entryPath) => artifacts.problemOf(entryPath)?.message ?? null,
      // A getter: an artifact that fails its check in the background turns the verdict after opening.
      get verification(): ArchiveVerification {
        const [problem] = artifacts.problems;
        return problem ? { ...base, ok: false, problem: { path: problem.path, message: problem.message } } : base;
      },
    };
    const privateDir = dataDir;
    let closed: Promise<void> | null = null;
    return {
      context,
      meta: meta.data,
      dataDir: privateDir,
      artifacts,
      close() {
        closed ??= (async () => {
          // A background extraction stops after its current entry, before the folder goes.
          artifacts.stop();
          await artifacts.extractAll();
          reader.close();
          await rm(privateDir, { recursive: true, force: true, maxRetries: 3 });
        })();
        return closed;
      },
    };
  } catch (error) {
    reader.close();
    // The early copy may still be writing into the dir: it is removed once that has stopped.
    if (early) {
      early.cancel();
      await early.copy;
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
    throw error;
  }
}

/** Stops an early store copy that will not be used and removes its dir (the port could not be had). */
export async function discardEarly(early: EarlyOpening): Promise<void> {
  early.cancel();
  await early.copy;
  await rm(early.dataDir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * The services' connection to a bundle's store: no function with side effects from its schema, and
 * query_only, so a write that slipped past the read-only guards fails instead of changing the copy.
 * `false` lifts query_only for closing (folding and checkpointing the private copy).
 */
export function setBundleStoreReadOnly(db: SqliteDatabase, readOnly: boolean): void {
  db.pragma('trusted_schema = OFF');
  db.pragma(`query_only = ${readOnly ? 'ON' : 'OFF'}`);
}

/** The bundle's file name as the banner shows it. */
export const bundleFileName = (context: OpenBundleContext): string => basename(context.file);
