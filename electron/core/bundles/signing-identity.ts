import { createHash, createPrivateKey, randomUUID, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
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

export const PRIVATE_KEY_FILE = 'signing-key.pem';

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

/**
 * True when `signature` (base64, one optional trailing newline) is `publicKey`'s Ed25519 signature of
 * `data`. Only the one canonical spelling counts: Node's base64 decoder skips stray characters and
 * ignores a last digit's spare bits, which would let a changed signature file still verify.
 */
export function verifySignature(publicKeyBase64: string, data: Buffer, signature: string): boolean {
  try {
    const text = signature.endsWith('\n') ? signature.slice(0, -1) : signature;
    if (!/^[A-Za-z0-9+/]{86}==$/.test(text)) return false;
    const sig = Buffer.from(text, 'base64');
    if (sig.length !== 64 || sig.toString('base64') !== text) return false;
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
 * Loads the data dir's key pair, creating it on first use. Two processes creating it at once each
 * write a temporary file and hard-link it to the key's name: link() fails when the name exists, so
 * exactly one key wins and the loser reads the winner's (rename() would replace a key already in use).
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
    const temp = join(dir, `.${PRIVATE_KEY_FILE}.${process.pid}.${randomUUID()}.tmp`);
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temp, file);
    } catch (linkError) {
      const code = (linkError as NodeJS.ErrnoException).code;
      // EEXIST: another process won. Without hard links (some network or FAT file systems) fall back to rename-if-absent.
      if (code !== 'EEXIST' && !existsSync(file)) renameSync(temp, file);
    } finally {
      rmSync(temp, { force: true });
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
