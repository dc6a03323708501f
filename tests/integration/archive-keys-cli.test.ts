/**
 * `mldesk keys …`, `mldesk bundle verify` and `mldesk package verify` as users run them: the
 * compiled CLI in child processes (npm run build first), real data dirs and real signed archives.
 * Exit codes: 0 all checks out, 1 an entry or signature that does not (or not the --trust signer),
 * 2 bad input (not an archive, the wrong kind, a bad flag).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZipFile } from 'yazl';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveKind, ArchiveVerification, TrustedKey } from '../../shared/bundles.js';
import { openSignedArchive } from '../../electron/core/bundles/archive-reader.js';
import { writeSignedArchive } from '../../electron/core/bundles/archive-writer.js';
import { canonicalJson } from '../../electron/core/bundles/canonical-json.js';
import { loadSigningIdentity, type SigningIdentity } from '../../electron/core/bundles/signing-identity.js';
import { cleanupTempDirs, makeTempDir, runCli } from './server-process.js';

let dir = '';
let alice: SigningIdentity;
let mallory: SigningIdentity;
let opsDir = '';
const file = (name: string) => join(dir, name);

async function signed(name: string, kind: ArchiveKind, identity: SigningIdentity = alice): Promise<string> {
  const out = file(name);
  await writeSignedArchive(out, {
    kind,
    meta: {},
    identity,
    appVersion: 'test',
    compress: false,
    entries: [
      { path: 'store.sqlite', data: Buffer.alloc(4096, 3) },
      { path: 'artifacts/r1/model.json', data: JSON.stringify({ weights: [0.1, 0.2, 0.3] }) },
    ],
  });
  return out;
}

beforeAll(async () => {
  dir = await makeTempDir('archive-cli');
  alice = loadSigningIdentity(join(dir, 'alice-home'), 'alice@laptop');
  mallory = loadSigningIdentity(join(dir, 'mallory-home'), 'mallory@elsewhere');
  opsDir = join(dir, 'ops-home');
});
afterAll(cleanupTempDirs);

const keys = (...args: string[]) => runCli(['keys', ...args, '--data-dir', opsDir]);

describe('mldesk keys', () => {
  it('show creates the key pair once, the private key readable by its owner only', async () => {
    const first = await keys('show', '--json');
    expect(first.code, first.stderr).toBe(0);
    const key = JSON.parse(first.stdout) as { publicKey: string; fingerprint: string; keyFile: string };
    expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(key.keyFile).toBe(join(opsDir, 'keys', 'signing-key.pem'));
    expect(statSync(key.keyFile).mode & 0o077).toBe(0);
    const text = await keys('show');
    expect(text.stdout).toContain(`public key   ${key.publicKey}\nfingerprint  ${key.fingerprint}\n`);
    expect(text.stdout).toContain(key.keyFile);
  });

  it('trust from a signed archive, a key file or the key; list; untrust', async () => {
    const bundle = await signed('for-trust.mldesk', 'bundle');
    const fromArchive = await keys('trust', bundle, '--name', 'Alice');
    expect(fromArchive.code, fromArchive.stderr).toBe(0);
    expect(fromArchive.stdout).toContain(`Trusted 'Alice': ${alice.signer.fingerprint}`);
    expect(fromArchive.stdout).toContain("the signer 'alice@laptop' of for-trust.mldesk");
    const keyFile = file('mallory.pub');
    writeFileSync(keyFile, `${mallory.signer.publicKey}\n`);
    expect((await keys('trust', keyFile, '--name', 'Mallory')).code).toBe(0);
    const listed = await keys('list', '--json');
    expect((JSON.parse(listed.stdout) as { keys: TrustedKey[] }).keys.map((k) => [k.name, k.fingerprint])).toEqual([
      ['Alice', alice.signer.fingerprint],
      ['Mallory', mallory.signer.fingerprint],
    ]);
    expect((await keys('list')).stdout).toMatch(/^Alice {4}SHA256:\S+ {2}added \d{4}-/m);
    const untrusted = await keys('untrust', mallory.signer.fingerprint);
    expect(untrusted.code, untrusted.stderr).toBe(0);
    const again = await keys('trust', mallory.signer.publicKey, '--name', 'Mallory');
    expect(again.code, again.stderr).toBe(0);
    expect((await keys('untrust', 'Mallory')).code).toBe(0);
    expect((JSON.parse((await keys('list', '--json')).stdout) as { keys: TrustedKey[] }).keys.map((k) => k.name)).toEqual(['Alice']);
  });

  it('bad input exits 2 naming the field', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['trust', 'not-a-key', '--name', 'x'], /Invalid value for 'KEY': not an Ed25519 public key/],
      [['trust', mallory.signer.publicKey], /required option '--name <name>' not specified/],
      [['trust', mallory.signer.publicKey, '--name', '   '], /Invalid value for 'name'/],
      [['trust', alice.signer.publicKey, '--name', 'Alice again'], /already trusted as 'Alice'/],
      [['trust', mallory.signer.publicKey, '--name', 'Alice'], /Another key .* is already trusted as 'Alice'/],
      [['trust', file('missing.mldesk'), '--name', 'x'], /Invalid value for 'FILE': no such file/],
      [['trust', '/etc/hostname', '--name', 'x'], /Invalid value for 'FILE': not an Ed25519 public key/],
      [['untrust', 'Nobody'], /No trusted key is named or fingerprinted 'Nobody'/],
    ];
    writeFileSync(file('tampered-for-trust.mldesk'), tamper(readFileSync(await signed('t.mldesk', 'bundle')), 'signature'));
    cases.push([['trust', file('tampered-for-trust.mldesk'), '--name', 'x'], /Invalid value for 'FILE': tampered-for-trust\.mldesk: manifest\.sig: does not match/]);
    for (const [args, message] of cases) {
      const result = await keys(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });
});

/** Changes one byte: inside store.sqlite's data, or in the signature (both are stored uncompressed). */
function tamper(bytes: Buffer, where: 'store' | 'signature'): Buffer {
  const copy = Buffer.from(bytes);
  if (where === 'store') {
    copy[copy.indexOf(Buffer.alloc(64, 3)) + 100] = 4;
  } else {
    const name = copy.indexOf(Buffer.from('manifest.sig'));
    const data = name + 'manifest.sig'.length + copy.readUInt16LE(name - 2);
    copy[data + 5] = copy[data + 5]! ^ 0x01;
  }
  return copy;
}

const verify = (kind: 'bundle' | 'package', target: string, ...args: string[]) => runCli([kind, 'verify', target, '--data-dir', opsDir, ...args]);

describe('mldesk bundle verify / package verify', () => {
  it('a good bundle: exit 0, kind, signer, trust, entries and bytes', async () => {
    const bundle = await signed('good.mldesk', 'bundle');
    const text = await verify('bundle', bundle);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('kind     experiment bundle');
    expect(text.stdout).toContain(`signer   alice@laptop  ${alice.signer.fingerprint}`);
    expect(text.stdout).toContain("trust    trusted as 'Alice'");
    expect(text.stdout).toContain('entries  2 entries, 4,121 bytes');
    expect(text.stdout).toContain("OK       every entry's SHA-256 and the signature check out");
    const json = await verify('bundle', bundle, '--json');
    expect(JSON.parse(json.stdout) as ArchiveVerification).toEqual({ ok: true, kind: 'bundle', signer: alice.signer, trusted: true, trustedName: 'Alice', entries: 2, bytes: 4121, problem: null });
    // On a machine that trusts nobody (and has no data dir yet: verify creates none).
    const fresh = join(dir, 'fresh-machine');
    const untrusted = await runCli(['bundle', 'verify', bundle, '--data-dir', fresh]);
    expect(untrusted.code).toBe(0);
    expect(untrusted.stdout).toContain('trust    NOT trusted');
    expect(existsSync(fresh)).toBe(false);
  });

  it('one changed byte in an entry: exit 1 naming it', async () => {
    const bundle = file('tampered.mldesk');
    writeFileSync(bundle, tamper(readFileSync(await signed('to-tamper.mldesk', 'bundle')), 'store'));
    const text = await verify('bundle', bundle);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/FAILED {3}store\.sqlite: its SHA-256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}: the entry was changed/);
    const json = JSON.parse((await verify('bundle', bundle, '--json')).stdout) as ArchiveVerification;
    expect(json).toMatchObject({ ok: false, kind: 'bundle', problem: { path: 'store.sqlite' } });
  });

  it('a swapped signature (another key signed the same manifest): exit 1 naming manifest.sig', async () => {
    const bundle = await signed('swapped.mldesk', 'bundle');
    const reader = await openSignedArchive(bundle);
    const manifestBytes = Buffer.from(canonicalJson(reader.manifest));
    reader.close();
    const bytes = readFileSync(bundle);
    const original = Buffer.from(alice.sign(manifestBytes));
    const at = bytes.indexOf(original);
    expect(at).toBeGreaterThan(0);
    Buffer.from(mallory.sign(manifestBytes)).copy(bytes, at);
    writeFileSync(bundle, bytes);
    const result = await verify('bundle', bundle);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAILED   manifest.sig: does not match the manifest and the key it names (${alice.signer.fingerprint})`);
  });

  it('package verify --trust: exit 1 when another key signed it', async () => {
    const byMallory = await signed('mallory.mldesk-package', 'package', mallory);
    const byName = await verify('package', byMallory, '--trust', 'Alice');
    expect(byName.code).toBe(1);
    expect(byName.stdout).toContain('trust    NOT trusted');
    expect(byName.stdout).toContain(`FAILED   manifest.sig: signed by 'mallory@elsewhere' (${mallory.signer.fingerprint}), not by the --trust key 'Alice' (${alice.signer.fingerprint})`);
    const json = JSON.parse((await verify('package', byMallory, '--trust', alice.signer.publicKey, '--json')).stdout) as ArchiveVerification;
    expect(json).toMatchObject({ ok: false, trusted: false, problem: { path: 'manifest.sig' } });
    const byAlice = await signed('alice.mldesk-package', 'package');
    for (const trust of ['Alice', alice.signer.fingerprint, alice.signer.publicKey]) {
      const ok = await verify('package', byAlice, '--trust', trust);
      expect(ok.code, trust).toBe(0);
    }
    const bad = await verify('package', byAlice, '--trust', 'Nobody');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Invalid value for '--trust': 'Nobody' is not a base64 public key, a SHA256: fingerprint or the name of a trusted key/);
  });

  it('not a bundle: a text file, a plain zip, a review, a package, a missing file: exit 2', async () => {
    writeFileSync(file('notes.txt'), 'just text\n');
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from('hello'), 'hello.txt');
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(file('plain.zip')));
    const review = await signed('a.mldesk-review', 'review');
    const pkg = await signed('a.mldesk-package', 'package');
    const cases: Array<['bundle' | 'package', string, RegExp]> = [
      ['bundle', file('notes.txt'), /not a zip archive/],
      ['bundle', file('plain.zip'), /not an MLDesk archive: it has no manifest\.json/],
      ['bundle', review, /this is a review, not a bundle/],
      ['bundle', pkg, /this is a package, not a bundle/],
      ['package', file('good.mldesk'), /this is a bundle, not a package/],
      ['bundle', file('nowhere.mldesk'), /Invalid value for 'FILE': no such file/],
      ['bundle', dir, /Invalid value for 'FILE': not a file/],
    ];
    for (const [kind, target, message] of cases) {
      const result = await verify(kind, target);
      expect(result.code, `${kind} verify ${target}`).toBe(2);
      expect(result.stderr, `${kind} verify ${target}`).toMatch(message);
    }
    const json = await verify('bundle', review, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, kind: null, problem: { message: 'this is a review, not a bundle' } });
    const noFile = await runCli(['bundle', 'verify', '--data-dir', opsDir]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toMatch(/missing required argument 'file'/);
  });
});
