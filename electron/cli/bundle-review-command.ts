import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseCommentSpec, parseTargetSpec, type ReviewComment, type ReviewDecision, type VersionDecision } from '../../shared/reviews.js';
import { ArchiveError } from '../core/bundles/archive-reader.js';
import { ReviewFileError, writeReviewFile } from '../core/bundles/review-file.js';
import { BundleNotVerifiedError, openBundleForReview, resolveTarget } from '../core/bundles/review-targets.js';
import { loadSigningIdentity } from '../core/bundles/signing-identity.js';
import { resolveDataDir } from '../core/data-dir.js';

/** Exit codes: 0 written, 1 the bundle does not verify (a changed entry, a bad signature), 2 bad input (not a bundle, a bad --comment). */
const EXIT_UNVERIFIED = 1;
const EXIT_USAGE = 2;

interface Flags {
  comment: string[];
  approve?: boolean;
  requestChanges?: boolean;
  approveVersion: string[];
  requestChangesVersion: string[];
  name?: string;
  out: string;
  force?: boolean;
  dataDir?: string;
  json?: boolean;
}

class UsageError extends Error {}

const collect = (value: string, previous: string[]) => [...previous, value];

async function review(bundleFile: string, flags: Flags): Promise<Record<string, unknown>> {
  if (flags.approve && flags.requestChanges) throw new UsageError('--approve and --request-changes exclude each other');
  const decision: ReviewDecision = flags.approve ? 'approve' : flags.requestChanges ? 'request_changes' : 'comment';
  const out = resolve(flags.out);
  if (existsSync(out) && !flags.force) throw new UsageError(`-o ${flags.out}: the file exists (pass --force to replace it)`);
  // Parsed before the bundle is read: a typo is reported at once, naming the flag.
  const comments = flags.comment.map((spec) => {
    try {
      return { spec, ...parseCommentSpec(spec) };
    } catch (error) {
      throw new UsageError(`--comment ${(error as Error).message}`);
    }
  });
  const decided = [...flags.approveVersion.map((spec) => ({ spec, flag: '--approve-version', decision: 'approve' as const })), ...flags.requestChangesVersion.map((spec) => ({ spec, flag: '--request-changes-version', decision: 'request_changes' as const }))].map(
    ({ spec, flag, decision: versionDecision }) => {
      try {
        const target = parseTargetSpec(`version:${spec.replace(/^version:/, '')}`);
        if (target.kind !== 'version') throw new Error('not a version');
        return { spec, flag, target, decision: versionDecision };
      } catch (error) {
        throw new UsageError(`${flag} ${(error as Error).message} (write NAME/VERSION)`);
      }
    },
  );
  const bundle = await openBundleForReview(bundleFile);
  try {
    const checked: ReviewComment[] = comments.map(({ spec, target, text }) => {
      const resolved = resolveTarget(bundle, target);
      if ('problem' in resolved) throw new UsageError(`--comment '${spec}': ${resolved.problem}`);
      return { target: resolved.target, text, time: Date.now() };
    });
    const versionDecisions: VersionDecision[] = decided.map(({ spec, flag, target, decision: d }) => {
      const resolved = resolveTarget(bundle, target);
      if ('problem' in resolved || resolved.target.kind !== 'version') throw new UsageError(`${flag} '${spec}': ${'problem' in resolved ? resolved.problem : 'not a version'}`);
      return { name: resolved.target.name, version: resolved.target.version, runId: resolved.target.runId, decision: d };
    });
    const identity = loadSigningIdentity(resolveDataDir(flags.dataDir));
    const written = await writeReviewFile(
      out,
      {
        format: 'mldesk-review',
        formatVersion: 1,
        bundle: { manifestSha256: bundle.manifestSha256, signerFingerprint: bundle.manifest.signer.fingerprint, experiments: bundle.meta.experiments.map((e) => e.name) },
        reviewer: { name: flags.name?.trim() || identity.signer.name },
        decision,
        versionDecisions,
        comments: checked,
        createdTime: Date.now(),
      },
      identity,
    );
    return {
      file: out,
      manifestSha256: written.manifestSha256,
      bundleManifestSha256: bundle.manifestSha256,
      reviewer: { name: written.document.reviewer.name, fingerprint: identity.signer.fingerprint },
      decision,
      comments: checked.length,
      versionDecisions,
    };
  } finally {
    bundle.close();
  }
}

/** `mldesk bundle review BUNDLE --comment TARGET=TEXT ... -o FILE.mldesk-review`: a signed review file, headless. */
export function registerBundleReview(parent: Command): void {
  parent
    .command('review')
    .description(
      'write a signed review file (.mldesk-review) for a bundle, without opening it. TARGET is run:<runId>, metric:<runId>/<key>[@<step>], ' +
        'artifact:<runId>/<path> or version:<name>/<version>; each must exist in the bundle. Exit 0 written, 1 the bundle does not verify, 2 bad input',
    )
    .argument('<bundle>', 'the .mldesk bundle to review')
    .option('--comment <TARGET=TEXT>', 'a comment on a run, a metric, an artifact or a model version (repeatable)', collect, [])
    .option('--approve', 'decision: approve the bundle')
    .option('--request-changes', 'decision: request changes (default: comments only)')
    .option('--approve-version <NAME/VERSION>', 'approve a model version of the bundle (counts for its champion gate once the author trusts your key; repeatable)', collect, [])
    .option('--request-changes-version <NAME/VERSION>', 'request changes on a model version of the bundle (repeatable)', collect, [])
    .option('--name <NAME>', "your name as the author will see it (default: your signing key's name)")
    .requiredOption('-o, --out <FILE>', 'the review file to write (.mldesk-review)')
    .option('--force', 'replace the output file if it exists')
    .option('--data-dir <dir>', 'your own data dir, holding your signing key (default: $MLDESK_HOME, else the OS app-data folder)')
    .option('--json', 'print the result as JSON')
    .action(async (bundleFile: string, flags: Flags) => {
      try {
        const result = await review(bundleFile, flags);
        const decisions = (result.versionDecisions as VersionDecision[]).map((d) => `, ${d.decision === 'approve' ? 'approves' : 'requests changes on'} ${d.name} v${d.version}`).join('');
        process.stdout.write(
          flags.json ? `${JSON.stringify(result)}\n` : `Wrote ${String(result.file)}: ${String(result.comments)} comment(s), decision ${String(result.decision).replace('_', ' ')}${decisions}; signed by ${(result.reviewer as { fingerprint: string }).fingerprint}.\n`,
        );
        process.exitCode = 0;
      } catch (error) {
        const unverified = error instanceof BundleNotVerifiedError && !error.notAnArchive;
        const usage = error instanceof UsageError || error instanceof ReviewFileError || error instanceof ArchiveError;
        const message = usage ? (error as Error).message : `unexpected error: ${(error as Error).message}`;
        if (flags.json) process.stdout.write(`${JSON.stringify({ error: { message } })}\n`);
        process.stderr.write(`mldesk bundle review: ${message}\n`);
        process.exitCode = unverified ? EXIT_UNVERIFIED : usage ? EXIT_USAGE : EXIT_UNVERIFIED;
      }
    });
}
