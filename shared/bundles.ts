import { z } from 'zod';

/**
 * Signed archives (issue 14): experiment bundles (reviewers), review files and handoff packages
 * (operations) share one manifest format. Pure zod schemas and types: no Node, no DOM.
 *
 * An archive is a zip holding `manifest.json` (this schema, written as canonical JSON),
 * `manifest.sig` (the Ed25519 signature of manifest.json's exact bytes, base64) and the entries
 * the manifest lists. Nothing outside the manifest may be in the zip.
 */

export const ARCHIVE_KINDS = ['bundle', 'review', 'package'] as const;
export type ArchiveKind = (typeof ARCHIVE_KINDS)[number];

/** The file name users see for each kind. */
export const ARCHIVE_EXTENSIONS: Record<ArchiveKind, string> = { bundle: '.mldesk', review: '.mldesk-review', package: '.mldesk-package' };

export const MANIFEST_PATH = 'manifest.json';
export const SIGNATURE_PATH = 'manifest.sig';

/** True when `text` holds a C0 control character or DEL (a newline or terminal escape in a name). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** A path inside an archive: relative, `/`-separated, no `.`/`..` segments, no backslash or control character. */
export const ArchivePathSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p), 'must be relative, not absolute')
  .refine((p) => !p.includes('\\') && !hasControlCharacter(p), 'must not contain a backslash or a control character')
  .refine((p) => p.split('/').every((part) => part !== '' && part !== '.' && part !== '..'), "must not contain empty, '.' or '..' segments");

export const ManifestEntrySchema = z.object({
  path: ArchivePathSchema,
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
});
export type ManifestEntry = z.infer<typeof ManifestEntrySchema>;

export const SignerSchema = z.object({
  /** Raw 32-byte Ed25519 public key, base64. */
  publicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be a base64 Ed25519 public key (32 bytes)'),
  /** `SHA256:` + base64 (no padding) of the SHA-256 of the raw public key, as `ssh-keygen -l` prints. */
  fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/),
  /** The installation's display name for itself (host or user name, unless anonymised); informative only. */
  name: z.string().max(200),
});
export type Signer = z.infer<typeof SignerSchema>;

export const ManifestSchema = z.object({
  format: z.literal('mldesk-archive'),
  formatVersion: z.literal(1),
  kind: z.enum(ARCHIVE_KINDS),
  createdTime: z.number().int().nonnegative(),
  /** MLDesk's version and store schema version that wrote it. */
  appVersion: z.string().max(100),
  schemaVersion: z.number().int().positive(),
  signer: SignerSchema,
  entries: z.array(ManifestEntrySchema).max(1_000_000),
  /** Kind-specific summary (what a bundle holds, what a review is about, which version a package is). */
  meta: z.record(z.string(), z.unknown()),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** What `verify` reports; `problem` names the first entry or the signature that does not check out. */
export interface ArchiveVerification {
  ok: boolean;
  kind: ArchiveKind | null;
  signer: Signer | null;
  /** The signer's key is in this installation's trusted keys (by fingerprint); its local name if so. */
  trusted: boolean;
  trustedName: string | null;
  entries: number;
  bytes: number;
  problem: { path: string | null; message: string } | null;
}

export interface TrustedKey {
  name: string;
  fingerprint: string;
  publicKey: string;
  addedTime: number;
}

/**
 * An experiment bundle's layout (kind 'bundle'). Paths are relative to the zip's root.
 * - `store.sqlite`: a SQLite database in MLDesk's own schema, at the exporter's `schemaVersion`
 *   (PRAGMA user_version), holding only what is bundled: the experiments, their bundled runs
 *   (params, full metric histories, tags, notes, lineage, dataset inputs), dataset and dataset
 *   version rows they used, and the registered models / versions / reviews / alias audit that
 *   point at those runs. Artifact URIs are `mlflow-artifacts:/…`, relative to the artifact root.
 * - `artifacts/…`: the bundled runs' artifact files, laid out as under `<data-dir>/artifacts`, so
 *   `mlflow-artifacts:/<p>` is the entry `artifacts/<p>`.
 * - `datasets/…`: with `--with-data`, the dataset files, laid out as under `<data-dir>/blobs`
 *   (content-addressed: `datasets/sha256/<2 hex>/<62 hex>`).
 * - `report.html`: a self-contained report (inline data and SVG, no network).
 * The manifest's `meta` is a BundleMeta.
 */
export const BUNDLE_STORE_PATH = 'store.sqlite';
export const BUNDLE_ARTIFACTS_PREFIX = 'artifacts/';
export const BUNDLE_DATASETS_PREFIX = 'datasets/';
export const BUNDLE_REPORT_PATH = 'report.html';

export const BundleMetaSchema = z.object({
  experiments: z.array(z.object({ id: z.string(), name: z.string() })),
  runs: z.array(z.object({ runId: z.string(), name: z.string(), experimentId: z.string() })),
  modelVersions: z.array(z.object({ name: z.string(), version: z.string() })),
  withData: z.boolean(),
  anonymized: z.boolean(),
  counts: z.object({ runs: z.number(), metricPoints: z.number(), artifacts: z.number(), artifactBytes: z.number(), datasets: z.number() }),
});
export type BundleMeta = z.infer<typeof BundleMetaSchema>;
