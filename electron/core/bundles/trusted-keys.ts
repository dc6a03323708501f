import type { TrustedKey } from '../../../shared/bundles.js';
import { alreadyExists, invalidParameter, notFound } from '../errors.js';
import type { SqliteDatabase } from '../store/database.js';
import { keyFingerprint, publicKeyObject } from './signing-identity.js';

interface TrustedKeyRow {
  name: string;
  fingerprint: string;
  public_key: string;
  added_time: number;
}

const toKey = (row: TrustedKeyRow): TrustedKey => ({ name: row.name, fingerprint: row.fingerprint, publicKey: row.public_key, addedTime: row.added_time });

/** The keys this installation trusts: a review or package signed by one of them counts as that person's. */
export class TrustedKeys {
  constructor(private readonly db: SqliteDatabase) {}

  list(): TrustedKey[] {
    return (this.db.prepare('SELECT name, fingerprint, public_key, added_time FROM trusted_keys ORDER BY name').all() as TrustedKeyRow[]).map(toKey);
  }

  byFingerprint(fingerprint: string): TrustedKey | null {
    const row = this.db.prepare('SELECT name, fingerprint, public_key, added_time FROM trusted_keys WHERE fingerprint = ?').get(fingerprint) as TrustedKeyRow | undefined;
    return row ? toKey(row) : null;
  }

  /** Trusts `publicKey` (raw Ed25519, base64) under `name`; the same key again under the same name changes nothing. */
  add(name: string, publicKey: string): TrustedKey {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 200) throw invalidParameter("Invalid value for 'name': a trusted key needs a name of 1 to 200 characters.");
    try {
      publicKeyObject(publicKey);
    } catch (error) {
      throw invalidParameter(`Invalid value for 'key': not an Ed25519 public key (${(error as Error).message}).`);
    }
    const fingerprint = keyFingerprint(publicKey);
    const existing = this.byFingerprint(fingerprint);
    if (existing) {
      if (existing.name === trimmed) return existing;
      throw alreadyExists(`The key ${fingerprint} is already trusted as '${existing.name}'.`);
    }
    const taken = this.db.prepare('SELECT fingerprint FROM trusted_keys WHERE name = ?').get(trimmed) as { fingerprint: string } | undefined;
    if (taken) throw alreadyExists(`Another key (${taken.fingerprint}) is already trusted as '${trimmed}'.`);
    this.db.prepare('INSERT INTO trusted_keys (fingerprint, name, public_key, added_time) VALUES (?, ?, ?, ?)').run(fingerprint, trimmed, publicKey, Date.now());
    return this.byFingerprint(fingerprint)!;
  }

  remove(nameOrFingerprint: string): void {
    const info = this.db.prepare('DELETE FROM trusted_keys WHERE name = ? OR fingerprint = ?').run(nameOrFingerprint, nameOrFingerprint);
    if (info.changes === 0) throw notFound(`No trusted key is named or fingerprinted '${nameOrFingerprint}'.`);
  }
}
