import type { ArchiveVerification, Manifest } from '../../../shared/bundles.js';

/**
 * When artifact and dataset entries are hash-checked: all of them before the bundle is served (a bad
 * one refuses the whole bundle), or in the background once the store is served (a bad one is then
 * refused on its own and named in the banner). store.sqlite and the signature are always checked first.
 */
export type ArtifactCheck = 'before-serving' | 'in-background';

/**
 * A bundle opened read-only (`mldesk bundle open`, File → Open): the services then run over the
 * bundle's store, never the reviewer's own. Built by openBundle (bundle-open.ts); null in a normal data dir.
 */
export interface OpenBundleContext {
  /** Absolute path of the `.mldesk` file. */
  readonly file: string;
  readonly manifest: Manifest;
  /** SHA-256 of manifest.json's bytes: names this bundle (a review file says which bundle it reviews). */
  readonly manifestSha256: string;
  /** The verdict so far: an artifact failing its check in the background turns it to not ok, naming the entry. */
  readonly verification: ArchiveVerification;
  /** The reviewer's own data dir: their signing key and review drafts live there; its store is never opened. */
  readonly homeDataDir: string;
  readonly artifactCheck: ArtifactCheck;
  /** Artifact and dataset entries checked so far, of all of them. */
  artifactProgress(): { checked: number; total: number };
  /** Resolves once every artifact and dataset entry is checked (and the good ones are readable as files). */
  artifactsChecked(): Promise<void>;
  /** Why the entry at (or under) `entryPath` (`artifacts/…`) was refused, or null. */
  artifactProblem(entryPath: string): string | null;
}
