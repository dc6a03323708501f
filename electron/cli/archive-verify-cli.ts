import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SIGNATURE_PATH, type ArchiveKind, type ArchiveVerification, type TrustedKey } from '../../shared/bundles.js';
import { verifyArchive } from '../core/bundles/archive-reader.js';
import { keyFingerprint, parsePublicKey } from '../core/bundles/key-service.js';
import type { TrustedKeys } from '../core/bundles/trusted-keys.js';
import { resolveDataDir } from '../core/data-dir.js';
import { invalidParameter } from '../core/errors.js';
import { DATA_DIR_HELP, EXIT_FAILED, EXIT_OK, EXIT_USAGE, openKeyStore, runArchiveCommand, usageExit } from './archive-cli.js';

/** `mldesk bundle verify` and `mldesk package verify`: one command, two kinds. */

interface VerifyFlags {
  json?: boolean;
  dataDir?: string;
  trust?: string;
}

const NOUN: Record<ArchiveKind, string> = { bundle: 'experiment bundle', review: 'review file', package: 'handoff package' };

/** `--trust KEY`: a base64 public key, a `SHA256:` fingerprint, or the name of a trusted key. */
function expectedSigner(value: string, keys: TrustedKeys | null): { fingerprint: string; label: string } {
  const text = value.trim();
  if (/^SHA256:[A-Za-z0-9+/]{43}$/.test(text)) return { fingerprint: text, label: text };
  const named = keys?.list().find((key: TrustedKey) => key.name === text);
  if (named) return { fingerprint: named.fingerprint, label: `'${named.name}' (${named.fingerprint})` };
  try {
    const fingerprint = keyFingerprint(parsePublicKey(text, '--trust'));
    return { fingerprint, label: fingerprint };
  } catch {
    throw invalidParameter(`Invalid value for '--trust': '${text}' is not a base64 public key, a SHA256: fingerprint or the name of a trusted key (mldesk keys list).`);
  }
}

const count = (n: number, one: string, many: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function verificationText(file: string, v: ArchiveVerification): string {
  const lines = [`file     ${file}`];
  if (v.kind) lines.push(`kind     ${NOUN[v.kind]}`);
  if (v.signer) {
    lines.push(`signer   ${v.signer.name || '(no name)'}  ${v.signer.fingerprint}`);
    lines.push(`trust    ${v.trusted ? `trusted as '${v.trustedName}'` : 'NOT trusted (mldesk keys trust FILE --name NAME, after comparing the fingerprint with the signer)'}`);
    lines.push(`entries  ${count(v.entries, 'entry', 'entries')}, ${count(v.bytes, 'byte', 'bytes')}`);
  }
  lines.push(v.ok ? "OK       every entry's SHA-256 and the signature check out" : `FAILED   ${v.problem?.message ?? 'unknown problem'}`);
  return `${lines.join('\n')}\n`;
}

async function verifyCommand(kind: 'bundle' | 'package', file: string, flags: VerifyFlags): Promise<number> {
  const path = resolve(file);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat?.isFile()) throw invalidParameter(`Invalid value for 'FILE': ${stat ? 'not a file' : 'no such file'}: ${file}`);
  const store = openKeyStore(resolveDataDir(flags.dataDir), false);
  try {
    const expected = flags.trust === undefined ? null : expectedSigner(flags.trust, store.keys);
    const result = await verifyArchive(path, (fingerprint) => store.keys?.byFingerprint(fingerprint) ?? null, { kind });
    let verification = result.verification;
    if (verification.ok && expected && verification.signer?.fingerprint !== expected.fingerprint) {
      const signer = verification.signer!;
      verification = { ...verification, ok: false, problem: { path: SIGNATURE_PATH, message: `${SIGNATURE_PATH}: signed by '${signer.name}' (${signer.fingerprint}), not by the --trust key ${expected.label}` } };
    }
    process.stdout.write(flags.json ? `${JSON.stringify(verification)}\n` : verificationText(file, verification));
    if (!verification.ok && !flags.json) process.stderr.write(`mldesk ${kind} verify: ${verification.problem?.message ?? 'failed'}\n`);
    return verification.ok ? EXIT_OK : result.notAnArchive ? EXIT_USAGE : EXIT_FAILED;
  } finally {
    store.close();
  }
}

/** Registers `verify FILE [--json] [--data-dir D]` (and `--trust KEY` for packages) under `parent`. */
export function registerArchiveVerify(parent: Command, kind: 'bundle' | 'package'): void {
  const command = parent
    .command('verify')
    .description(`check a signed ${NOUN[kind]}: every entry's SHA-256 and the signature; exit 0 when all check out, 1 naming the first that does not, 2 when it is not a ${kind}`)
    .argument('<file>', `the ${NOUN[kind]} (${kind === 'bundle' ? '.mldesk' : '.mldesk-package'})`)
    .option('--json', 'print one JSON object (ok, kind, signer, trusted, trustedName, entries, bytes, problem)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .exitOverride(usageExit);
  if (kind === 'package') command.option('--trust <key>', "exit 1 unless the signer is this key: a base64 public key, a SHA256: fingerprint or a trusted key's name");
  command.action((file: string, flags: VerifyFlags) => runArchiveCommand(`${kind} verify`, flags.json, () => verifyCommand(kind, file, flags)));
}
