import type { ArchiveVerification, Manifest } from '../../../shared/bundles.js';

/**
 * A bundle opened read-only (`mldesk bundle open`, File → Open): the services then run over the
 * bundle's store, never the reviewer's own. Built by the bundle-open work; null in a normal data dir.
 */
export interface OpenBundleContext {
  /** Absolute path of the `.mldesk` file. */
  readonly file: string;
  readonly manifest: Manifest;
  /** SHA-256 of manifest.json's bytes: names this bundle (a review file says which bundle it reviews). */
  readonly manifestSha256: string;
  readonly verification: ArchiveVerification;
  /** The reviewer's own data dir: their signing key and review drafts live there; its store is never opened. */
  readonly homeDataDir: string;
}
