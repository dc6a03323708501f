import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, writeSync, closeSync, renameSync, rmSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Signer } from '../../../shared/bundles.js';

/**
 * The installation's Ed25519 key pair, kept in `<data-dir>/keys/`: created on first use, the private
 * key readable by its owner only. Bundles, review files and handoff packages are signed with it.
 */
export interface SigningIdentity {
  readonly signer: Signer;
  /** Ed25519 signature of `data`, base64. */
  sign(data: Buffer): string;
}

const PRIVATE_KEY_FILE = 'signing-key.pem';

/** Raw 32-byte public key, base64, from a key object. */
export function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new Error('not an Ed25519 public key');
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

/** `SHA256:` + unpadded base64 of the key's SHA-256, the form `ssh-keygen -l` prints. */
export function keyFingerprint(publicKeyBase64: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

export function publicKeyObject(publicKeyBase64: string): KeyObject {
  const raw = Buffer.from(publicKeyBase64, 'base64');
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** True when `signature` (base64) is `publicKey`'s Ed25519 signature of `data`. Never throws on bad input. */
export function verifySignature(publicKeyBase64: string, data: Buffer, signature: string): boolean {
  try {
    const sig = Buffer.from(signature.trim(), 'base64');
    if (sig.length !== 64) return false;
    return verify(null, data, publicKeyObject(publicKeyBase64), sig);
  } catch {
    return false;
  }
}

function defaultSignerName(): string {
  let user = 'user';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers): the host name alone still says which machine signed.
  }
  return `${user}@${hostname()}`;
}

/**
 * Loads the data dir's key pair, creating it on first use. Two processes creating it at once both
 * write a temporary file and rename it into place; the loser re-reads the winner's key.
 */
export function loadSigningIdentity(dataDir: string, name = defaultSignerName()): SigningIdentity {
  const dir = join(dataDir, 'keys');
  const file = join(dir, PRIVATE_KEY_FILE);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    const temp = join(dir, `.${PRIVATE_KEY_FILE}.${process.pid}.tmp`);
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    } finally {
      closeSync(fd);
    }
    try {
      // link() would fail if another process won; rename() replaces, so check again just before.
      readFileSync(file);
      rmSync(temp, { force: true });
    } catch {
      renameSync(temp, file);
    }
    pem = readFileSync(file, 'utf8');
  }
  const privateKey = createPrivateKey(pem);
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  return {
    signer: { publicKey, fingerprint: keyFingerprint(publicKey), name },
    sign: (data) => sign(null, data, privateKey).toString('base64'),
  };
}
