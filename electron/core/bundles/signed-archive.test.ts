import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSignedArchive, verifySignedArchive } from './archive-reader.js';
import { writeSignedArchive } from './archive-writer.js';
import { canonicalJson } from './canonical-json.js';
import { loadSigningIdentity } from './signing-identity.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mldesk-archive-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('signed archives', () => {
  it('canonical JSON sorts keys and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: { z: 0.5, y: -1 } })).toBe('{"a":[true,null,"x"],"b":1,"d":{"y":-1,"z":0.5}}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN/);
  });

  it('keeps one key pair per data dir, private key readable by its owner only', () => {
    const dir = tempDir();
    const first = loadSigningIdentity(dir);
    const second = loadSigningIdentity(dir);
    expect(second.signer.publicKey).toBe(first.signer.publicKey);
    expect(first.signer.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(statSync(join(dir, 'keys', 'signing-key.pem')).mode & 0o077).toBe(0);
  });

  it('writes, opens and verifies an archive; a changed byte is named', async () => {
    const dir = tempDir();
    const identity = loadSigningIdentity(dir, 'tester');
    const source = join(dir, 'weights.bin');
    writeFileSync(source, Buffer.alloc(100_000, 7));
    const out = join(dir, 'a.mldesk');
    await writeSignedArchive(out, { kind: 'bundle', meta: { note: 'x' }, identity, appVersion: 'test', entries: [{ path: 'runs/r1/run.json', data: '{"a":1}' }, { path: 'artifacts/weights.bin', file: source }], compress: false });
    const reader = await openSignedArchive(out);
    expect(reader.manifest.entries.map((e) => e.path)).toEqual(['runs/r1/run.json', 'artifacts/weights.bin']);
    expect((await reader.read('runs/r1/run.json')).toString()).toBe('{"a":1}');
    reader.close();
    const ok = await verifySignedArchive(out, () => null);
    expect(ok).toMatchObject({ ok: true, kind: 'bundle', trusted: false, entries: 2, bytes: 100_007 });

    // Flip one byte of the stored (uncompressed) weights: the manifest still says the old hash.
    const bytes = readFileSync(out);
    const at = bytes.indexOf(Buffer.alloc(64, 7));
    bytes[at + 10] = 8;
    writeFileSync(out, bytes);
    const bad = await verifySignedArchive(out, () => null);
    expect(bad.ok).toBe(false);
    expect(bad.problem?.path).toBe('artifacts/weights.bin');
  });
});
