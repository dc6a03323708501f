import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError, openSignedArchive, verifySignedArchive, type ArchiveLimits } from './archive-reader.js';
import { centralRecord, endOfCentralDirectory, entryFields, localHeader, rawZip, signedEntries, type RawEntry } from './crafted-zip-fixtures.js';
import { loadSigningIdentity, type SigningIdentity } from './signing-identity.js';

let dir: string;
let identity: SigningIdentity;
let other: SigningIdentity;
let counter = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-hostile-'));
  identity = loadSigningIdentity(join(dir, 'me'), 'me');
  other = loadSigningIdentity(join(dir, 'mallory'), 'mallory');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function save(bytes: Buffer): string {
  const file = join(dir, `crafted-${++counter}.mldesk`);
  writeFileSync(file, bytes);
  return file;
}

const text = (name: string, content: string, method: 0 | 8 = 0): RawEntry => ({ name, data: Buffer.from(content), method });
const good = (): RawEntry[] => [text('runs/r1/run.json', '{"run":1}'), text('artifacts/model.txt', 'weights '.repeat(40), 8)];

/**
 * Opens the crafted archive and, were it accepted, extracts it: it must be refused with an
 * ArchiveError, verify must report the same problem, and the extraction folder must not exist.
 */
async function refused(bytes: Buffer, limits: Partial<ArchiveLimits> = {}): Promise<ArchiveError> {
  const file = save(bytes);
  const target = join(dir, `out-${counter}`);
  let caught: unknown = null;
  try {
    const reader = await openSignedArchive(file, { limits });
    try {
      await reader.extract(target);
    } finally {
      reader.close();
    }
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ArchiveError);
  expect(existsSync(target)).toBe(false);
  const verification = await verifySignedArchive(file, () => null, { limits });
  expect(verification.ok).toBe(false);
  expect(verification.problem?.message).toBe((caught as ArchiveError).message);
  return caught as ArchiveError;
}

describe('hostile archives are refused, naming the entry, with nothing written', () => {
  it('a crafted archive without a flaw opens, verifies and extracts (the fixtures are sound)', async () => {
    const file = save(rawZip(signedEntries(identity, good())));
    expect(await verifySignedArchive(file, () => null)).toMatchObject({ ok: true, entries: 2, problem: null });
    const reader = await openSignedArchive(file);
    await reader.extract(join(dir, 'sound'));
    reader.close();
    expect(existsSync(join(dir, 'sound', 'artifacts', 'model.txt'))).toBe(true);
  });

  it.each([
    ['../x', /'\.\.' segments/],
    ['a/../../x', /'\.\.' segments/],
    ['/etc/x', /must be relative, not absolute/],
    ['C:\\x', /must be relative, not absolute/],
    ['C:/x', /must be relative, not absolute/],
    ['a\\..\\..\\x', /backslash/],
    ['a//b', /empty/],
    ['a\u001b[2Jb', /control character/],
  ])('zip-slip and absolute names: %j', async (name, message) => {
    const error = await refused(rawZip(signedEntries(identity, [...good(), text(name, 'evil')])));
    expect(error.path).toBe(name.includes('\u001b') ? 'a\\u001b[2Jb' : name);
    expect(error.message).toMatch(message);
    expect(error.notAnArchive).toBe(false);
  });

  it('percent-encoded dots are a literal name: extracted inside the target, never decoded', async () => {
    const file = save(rawZip(signedEntries(identity, [...good(), text('%2E%2E/%2e%2e/x.txt', 'literal')])));
    const reader = await openSignedArchive(file);
    const target = join(dir, 'percent', 'out');
    await reader.extract(target);
    reader.close();
    expect(readdirSync(join(target, '%2E%2E', '%2e%2e'))).toEqual(['x.txt']);
    expect(readdirSync(join(dir, 'percent'))).toEqual(['out']);
  });

  it('a symbolic link entry', async () => {
    const link: RawEntry = { name: 'artifacts/link', data: Buffer.from('/etc/passwd'), mode: 0o120777 };
    const error = await refused(rawZip(signedEntries(identity, [...good(), link])));
    expect(error).toMatchObject({ path: 'artifacts/link', message: expect.stringMatching(/symbolic links are not allowed/) });
  });

  it('folder entries and other file types', async () => {
    expect((await refused(rawZip(signedEntries(identity, [...good(), { name: 'dir/', data: Buffer.alloc(0), mode: 0o040755 }])))).message).toMatch(/^dir\/: refused: an archive holds files only/);
    expect((await refused(rawZip(signedEntries(identity, [...good(), { name: 'fifo', data: Buffer.alloc(0), mode: 0o010644 }])))).message).toMatch(/^fifo: refused: only regular files/);
  });

  it('a name twice in the zip, and twice in the manifest', async () => {
    const twice = [...good(), text('notes.txt', 'first')];
    const entries = signedEntries(identity, twice);
    const inZip = await refused(rawZip([...entries, text('notes.txt', 'second')]));
    expect(inZip).toMatchObject({ path: 'notes.txt', message: 'notes.txt: refused: the name appears twice in the zip' });
    const inManifest = await refused(rawZip(signedEntries(identity, twice, { editManifest: (m) => m.entries.push({ ...m.entries[2]! }) })));
    expect(inManifest).toMatchObject({ path: 'notes.txt', message: 'notes.txt: is listed twice in the manifest' });
  });

  it('a zip bomb: over the expansion ratio, over the total size, and hiding behind a size that lies', async () => {
    const zeros: RawEntry = { name: 'artifacts/zeros.bin', data: Buffer.alloc(300_000), method: 8 };
    const archive = rawZip(signedEntries(identity, [...good(), zeros]));
    expect(archive.length).toBeLessThan(3_000);
    const ratio = await refused(archive, { ratioMinBytes: 1024, maxRatio: 100 });
    expect(ratio.message).toMatch(/^artifacts\/zeros\.bin: refused: it expands \d+× \(over the 100× allowed: a zip bomb\?\)/);
    const total = await refused(archive, { maxTotalBytes: 100_000 });
    expect(total.message).toMatch(/^artifacts\/zeros\.bin: refused: the entries add up to more than 100000 bytes uncompressed/);
    // Both headers claim 1,000 bytes (and the manifest agrees): reading stops at the claim.
    const claim = { uncompressedSize: 1000 };
    const liar = { ...zeros, central: claim, local: claim };
    const hidden = await refused(rawZip(signedEntries(identity, [...good(), liar], { editManifest: (m) => (m.entries[2]!.size = 1000) })));
    expect(hidden.path).toBe('artifacts/zeros.bin');
    expect(hidden.message).toMatch(/too many bytes|more than the 1000 bytes/);
  });

  it('entries that share bytes (overlapping files, the way a 40 KB zip expands to terabytes)', async () => {
    // B's local header and data sit inside A's data; the central directory lists both.
    const b = entryFields({ name: 'b.txt', data: Buffer.from('inner') });
    const bLocal = localHeader(b.fields);
    const aData = Buffer.concat([bLocal, b.stored]);
    const files: RawEntry[] = [{ name: 'a.txt', data: aData }, { name: 'b.txt', data: Buffer.from('inner') }];
    const [aEntry, , manifest, signature] = signedEntries(identity, files);
    const parts: Buffer[] = [];
    const central: Buffer[] = [];
    let offset = 0;
    for (const entry of [aEntry!, manifest!, signature!]) {
      const { fields, stored } = entryFields(entry);
      central.push(centralRecord(fields, offset, 0o100644));
      if (entry === aEntry) central.push(centralRecord(b.fields, offset + localHeader(fields).length, 0o100644));
      parts.push(localHeader(fields), stored);
      offset += localHeader(fields).length + stored.length;
    }
    const directory = Buffer.concat(central);
    const zip = Buffer.concat([...parts, directory, endOfCentralDirectory(central.length, directory.length, offset)]);
    const error = await refused(zip);
    expect(error).toMatchObject({ path: 'b.txt', message: 'b.txt: refused: its bytes overlap the entry a.txt (a zip bomb or a spliced file)' });
  });

  it('a truncated file: its end cut off, or a piece cut from its middle', async () => {
    const whole = rawZip(signedEntries(identity, good()));
    const cutEnd = await refused(whole.subarray(0, whole.length - 40));
    expect(cutEnd.notAnArchive).toBe(true);
    expect(cutEnd.message).toMatch(/^not a zip archive, or a damaged or truncated one/);
    const firstEntryEnd = 30 + 'runs/r1/run.json'.length + 9;
    const cutMiddle = await refused(Buffer.concat([whole.subarray(0, firstEntryEnd - 4), whole.subarray(firstEntryEnd)]));
    expect(cutMiddle).toMatchObject({ path: null, notAnArchive: true, message: expect.stringMatching(/^the zip's directory is damaged \(invalid central directory file header signature/) });
    // Both headers say the entry runs on past the end of the file: its data was cut off.
    const [run, model] = good();
    const long = { compressedSize: 100_000 };
    const cutData = await refused(rawZip(signedEntries(identity, [run!, { ...model!, central: long, local: long }])));
    expect(cutData.message).toMatch(/^artifacts\/model\.txt: its local header is damaged or the zip is truncated \(file data overflows file bounds/);
  });

  it("an entry's size, name or method differs between its local header and the central directory", async () => {
    const [run, model] = good();
    const size = await refused(rawZip(signedEntries(identity, [run!, { ...model!, local: { uncompressedSize: 10 } }])));
    expect(size.message).toBe("artifacts/model.txt: its local header and the zip's central directory disagree on the size (10 vs 320)");
    // Tools that stream the zip (reading local headers) would write ../evil.
    const name = await refused(rawZip(signedEntries(identity, [run!, { ...model!, local: { name: Buffer.from('../../evil.sh') } }])));
    expect(name.message).toBe("artifacts/model.txt: its local header and the zip's central directory disagree on the name (local header: '../../evil.sh')");
    const method = await refused(rawZip(signedEntries(identity, [run!, { ...model!, local: { method: 0 } }])));
    expect(method.message).toMatch(/^artifacts\/model\.txt: .*disagree on the compression method/);
  });

  it('a second Info-ZIP Unicode name, a name that is not UTF-8, and an unsupported method', async () => {
    const unicodeName = Buffer.concat([Buffer.from([0x75, 0x70, 12, 0, 1]), Buffer.alloc(4), Buffer.from('../x.sh')]);
    const second = await refused(rawZip(signedEntries(identity, [...good(), { ...text('ok.txt', 'x'), extra: unicodeName }])));
    expect(second.message).toMatch(/^ok\.txt: refused: it carries a second \(Info-ZIP Unicode\) name/);
    const latin1 = await refused(rawZip([...signedEntries(identity, good()), { name: Buffer.from([0x63, 0x61, 0x66, 0xe9]), data: Buffer.from('x') }]));
    expect(latin1.message).toBe('café: refused: the name is not valid UTF-8');
    const bzip = await refused(rawZip(signedEntries(identity, [...good(), { ...text('b.bz2', 'x'), central: { method: 12 }, local: { method: 12 } }])));
    expect(bzip.message).toMatch(/^b\.bz2: refused: compression method 12 is not supported/);
  });

  it('an entry not in the manifest, and a manifest naming a missing file', async () => {
    const extra = await refused(rawZip([...signedEntries(identity, good()), text('payload.sh', 'rm -rf ~')]));
    expect(extra.message).toBe('payload.sh: is in the archive but not in its signed manifest');
    const missing = signedEntries(identity, [...good(), text('artifacts/gone.bin', 'gone')]).filter((e) => e.name !== 'artifacts/gone.bin');
    expect((await refused(rawZip(missing))).message).toBe('artifacts/gone.bin: is named in the manifest but missing from the archive');
  });

  it('a manifest that is not JSON, or not the schema', async () => {
    const notJson = await refused(rawZip(signedEntries(identity, good(), { manifestBytes: () => Buffer.from('{"format": "mldesk-archive",') })));
    expect(notJson).toMatchObject({ path: 'manifest.json', notAnArchive: true, message: expect.stringMatching(/^manifest\.json: is not valid JSON/) });
    const wrongVersion = await refused(rawZip(signedEntries(identity, good(), { editManifest: (m) => Object.assign(m, { formatVersion: 2 }) })));
    expect(wrongVersion.message).toMatch(/^manifest\.json: is not an MLDesk manifest: formatVersion/);
    const badHash = await refused(rawZip(signedEntries(identity, good(), { editManifest: (m) => (m.entries[0]!.sha256 = 'ABC') })));
    expect(badHash.message).toMatch(/^manifest\.json: is not an MLDesk manifest: entries\.0\.sha256 must be 64 lowercase hex digits/);
    const noManifest = await refused(rawZip(good()));
    expect(noManifest).toMatchObject({ notAnArchive: true, message: 'not an MLDesk archive: it has no manifest.json' });
  });

  it('a missing, garbage or foreign signature', async () => {
    const unsigned = await refused(rawZip(signedEntries(identity, good()).filter((e) => e.name !== 'manifest.sig')));
    expect(unsigned.message).toBe('manifest.sig: is missing: the archive is not signed');
    const garbage = await refused(rawZip(signedEntries(identity, good(), { signature: () => 'not a signature at all' })));
    expect(garbage.message).toMatch(/^manifest\.sig: does not match the manifest and the key it names \(SHA256:/);
    // Mallory signs the manifest that still names my key.
    const foreign = await refused(rawZip(signedEntries(identity, good(), { signature: (bytes) => other.sign(bytes) })));
    expect(foreign.path).toBe('manifest.sig');
    // A changed manifest under the original signature.
    const edited = await refused(rawZip(signedEntries(identity, good(), { signature: () => identity.sign(Buffer.from('something else')), editManifest: (m) => (m.meta = { x: 1 }) })));
    expect(edited.path).toBe('manifest.sig');
  });

  it('re-signed by another key: intact, but not trusted as the original signer', async () => {
    const file = save(rawZip(signedEntries(other, good())));
    const trustMe = (fingerprint: string) => (fingerprint === identity.signer.fingerprint ? { name: 'me', fingerprint, publicKey: identity.signer.publicKey, addedTime: 0 } : null);
    const result = await verifySignedArchive(file, trustMe);
    expect(result).toMatchObject({ ok: true, trusted: false, trustedName: null, signer: { fingerprint: other.signer.fingerprint } });
    const original = await verifySignedArchive(save(rawZip(signedEntries(identity, good()))), trustMe);
    expect(original).toMatchObject({ ok: true, trusted: true, trustedName: 'me' });
  });
});
