import { openSync, readSync, closeSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { SignerSchema, type TrustedKey } from '../../shared/bundles.js';
import { ArchiveError, openSignedArchive } from '../core/bundles/archive-reader.js';
import { parsePublicKey, signingKeyInfo } from '../core/bundles/key-service.js';
import { resolveDataDir } from '../core/data-dir.js';
import { invalidParameter } from '../core/errors.js';
import { DATA_DIR_HELP, EXIT_OK, openKeyStore, runArchiveCommand, usageExit, type KeyStore } from './archive-cli.js';

/** `mldesk keys show|trust|list|untrust`: this installation's signing key and the keys it trusts. */

interface Flags {
  dataDir?: string;
  json?: boolean;
}

const print = (flags: Flags, value: unknown, text: string) => process.stdout.write(flags.json ? `${JSON.stringify(value)}\n` : text);
const time = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function withKeys<T>(flags: Flags, action: (keys: NonNullable<KeyStore['keys']>) => T): T {
  const store = openKeyStore(resolveDataDir(flags.dataDir), true);
  try {
    return action(store.keys!);
  } finally {
    store.close();
  }
}

/** A zip's first bytes: then FILE is an archive whose signer is to be trusted, whatever its name. */
function looksLikeZip(path: string): boolean {
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    return readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32LE(0) === 0x04034b50;
  } finally {
    closeSync(fd);
  }
}

/** FILE|KEY: an archive (its signer's key), a file holding a key, or the key itself. */
async function keyToTrust(argument: string): Promise<{ publicKey: string; source: string }> {
  const path = resolve(argument);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) {
    // A base64 key may hold '/': it is a key when it reads as one, else a path that names nothing.
    const looksLikeKey = SignerSchema.shape.publicKey.safeParse(argument.trim()).success;
    if (!looksLikeKey && /[/\\]|\.mldesk|\.pub$/.test(argument)) throw invalidParameter(`Invalid value for 'FILE': no such file: ${argument}`);
    return { publicKey: parsePublicKey(argument, 'KEY'), source: 'the key given' };
  }
  if (!stat.isFile()) throw invalidParameter(`Invalid value for 'FILE': not a file: ${argument}`);
  if (looksLikeZip(path)) {
    try {
      // The signature is checked on open: a key is only taken from an archive it really signed.
      const reader = await openSignedArchive(path);
      const { signer } = reader.manifest;
      reader.close();
      return { publicKey: signer.publicKey, source: `the signer '${signer.name}' of ${basename(path)}` };
    } catch (error) {
      if (error instanceof ArchiveError) throw invalidParameter(`Invalid value for 'FILE': ${basename(path)}: ${error.message}`);
      throw error;
    }
  }
  if (stat.size > 64 * 1024) throw invalidParameter(`Invalid value for 'FILE': ${basename(path)} is too large to hold a public key`);
  return { publicKey: parsePublicKey(readFileSync(path, 'utf8'), 'FILE'), source: `the key in ${basename(path)}` };
}

function keysText(keys: TrustedKey[]): string {
  if (keys.length === 0) return 'No trusted keys. Add one with: mldesk keys trust FILE|KEY --name NAME\n';
  const width = Math.max(...keys.map((k) => k.name.length));
  return keys.map((k) => `${k.name.padEnd(width)}  ${k.fingerprint}  added ${time(k.addedTime)}\n`).join('');
}

export function registerKeysCommands(parent: Command): void {
  const keys = parent.command('keys').description("this installation's signing key, and the keys whose signatures it trusts").exitOverride(usageExit);

  keys
    .command('show')
    .description('print the public key and its fingerprint (the key pair is created on first use)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object: {publicKey, fingerprint, name, keyFile}')
    .action((flags: Flags) =>
      runArchiveCommand('keys show', flags.json, () => {
        const key = signingKeyInfo(resolveDataDir(flags.dataDir));
        print(flags, key, `public key   ${key.publicKey}\nfingerprint  ${key.fingerprint}\nsigns as     ${key.name}\nkey file     ${key.keyFile} (private: keep it, never share it)\n`);
        return EXIT_OK;
      }),
    );

  keys
    .command('trust')
    .description("trust a key: FILE holding a base64 public key, or a .mldesk/.mldesk-review/.mldesk-package archive whose signer to trust, or the base64 KEY itself")
    .argument('<file|key>', 'the key, a file holding it, or a signed archive')
    .requiredOption('--name <name>', 'the name this key is known by here (shown on reviews and packages it signs)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object: {key: {name, fingerprint, publicKey, addedTime}, source}')
    .action((argument: string, flags: Flags & { name: string }) =>
      runArchiveCommand('keys trust', flags.json, async () => {
        const { publicKey, source } = await keyToTrust(argument);
        const key = withKeys(flags, (trusted) => trusted.add(flags.name, publicKey));
        print(flags, { key, source }, `Trusted '${key.name}': ${key.fingerprint}\n  (${source}; compare this fingerprint with what the owner's \`mldesk keys show\` prints)\n`);
        return EXIT_OK;
      }),
    );

  keys
    .command('list')
    .description('the trusted keys')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object: {keys: [{name, fingerprint, publicKey, addedTime}]}')
    .action((flags: Flags) =>
      runArchiveCommand('keys list', flags.json, () => {
        const list = withKeys(flags, (trusted) => trusted.list());
        print(flags, { keys: list }, keysText(list));
        return EXIT_OK;
      }),
    );

  keys
    .command('untrust')
    .description('stop trusting a key, by its name or fingerprint')
    .argument('<name|fingerprint>', "the key's name (mldesk keys list) or its SHA256: fingerprint")
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object: {removed: NAME|FINGERPRINT}')
    .action((nameOrFingerprint: string, flags: Flags) =>
      runArchiveCommand('keys untrust', flags.json, () => {
        withKeys(flags, (trusted) => trusted.remove(nameOrFingerprint.trim()));
        print(flags, { removed: nameOrFingerprint.trim() }, `No longer trusted: ${nameOrFingerprint.trim()}\n`);
        return EXIT_OK;
      }),
    );
}
