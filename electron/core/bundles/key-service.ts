import { join } from 'node:path';
import type { SigningKeyInfo } from '../../../shared/app-api/keys.js';
import { SignerSchema } from '../../../shared/bundles.js';
import { invalidParameter } from '../errors.js';
import { keyFingerprint, loadSigningIdentity, PRIVATE_KEY_FILE } from './signing-identity.js';

/** This installation's key as `mldesk keys show` and the settings card show it; created on first use. */
export function signingKeyInfo(dataDir: string): SigningKeyInfo {
  const { signer } = loadSigningIdentity(dataDir);
  return { publicKey: signer.publicKey, fingerprint: signer.fingerprint, name: signer.name, keyFile: join(dataDir, 'keys', PRIVATE_KEY_FILE) };
}

/**
 * A public key as a user pastes it: the base64 line `keys show` prints (surrounding whitespace
 * ignored), or `keys show --json`'s object. `field` names the input in the error.
 */
export function parsePublicKey(text: string, field: string): string {
  const trimmed = text.trim();
  let candidate = trimmed;
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as { publicKey?: unknown; key?: { publicKey?: unknown } };
      candidate = String(parsed.publicKey ?? parsed.key?.publicKey ?? '');
    } catch {
      // Not JSON after all: reported below as not a key.
    }
  }
  const checked = SignerSchema.shape.publicKey.safeParse(candidate);
  if (!checked.success || Buffer.from(candidate, 'base64').toString('base64') !== candidate) {
    throw invalidParameter(`Invalid value for '${field}': not an Ed25519 public key (expected 44 base64 characters, as \`mldesk keys show\` prints it).`);
  }
  return candidate;
}

export { keyFingerprint };
