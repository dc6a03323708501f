import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError, openSignedArchive } from './archive-reader.js';
import { writeSignedArchive } from './archive-writer.js';
import { loadSigningIdentity, type SigningIdentity } from './signing-identity.js';

let dir: string;
let identity: SigningIdentity;
// Over one 8 MB read, so the copy takes several chunks; not a run of one byte, so a moved chunk shows.
const BIG = Buffer.alloc(9 * 1024 * 1024 + 123);
for (let i = 0; i + 4 <= BIG.length; i += 4) BIG.writeUInt32LE((i * 2654435761) >>> 0, i);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-stored-copy-'));
  identity = loadSigningIdentity(join(dir, 'me'), 'me');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function archive(name: string, compress: boolean): Promise<string> {
  const out = join(dir, name);
  await writeSignedArchive(out, {
    kind: 'bundle',
    meta: {},
    identity,
    appVersion: 'test',
    compress,
    entries: [
      { path: 'store.sqlite', data: BIG },
      { path: 'notes.txt', data: 'after the big one' },
    ],
  });
  return out;
}

const extracted = async (file: string, target: string): Promise<unknown> => {
  const reader = await openSignedArchive(file);
  try {
    return await reader.extractEntry('store.sqlite', target).then(() => null, (error: unknown) => error);
  } finally {
    reader.close();
  }
};

describe('ArchiveReader.extractEntry', () => {
  it.each([
    ['stored', false],
    ['deflated', true],
  ])('writes a %s entry byte for byte', async (label, compress) => {
    const file = await archive(`${label}.mldesk`, compress);
    const target = join(dir, `${label}.out`);
    expect(await extracted(file, target)).toBeNull();
    expect(readFileSync(target).equals(BIG)).toBe(true);
  });

  it('refuses a stored entry with one changed byte, naming it and leaving no file', async () => {
    const file = await archive('changed.mldesk', false);
    const bytes = readFileSync(file);
    const at = bytes.indexOf(BIG.subarray(5 * 1024 * 1024, 5 * 1024 * 1024 + 64));
    bytes[at + 7] = bytes[at + 7]! ^ 0x01;
    writeFileSync(file, bytes);
    const target = join(dir, 'changed.out');
    const error = await extracted(file, target);
    expect(error).toBeInstanceOf(ArchiveError);
    expect((error as ArchiveError).path).toBe('store.sqlite');
    expect((error as Error).message).toMatch(/^store\.sqlite: its SHA-256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}: the entry was changed$/);
    expect(existsSync(target)).toBe(false);
  });

  it('refuses an archive cut short after it was opened, leaving no file', async () => {
    const file = await archive('cut.mldesk', false);
    const reader = await openSignedArchive(file);
    truncateSync(file, 4 * 1024 * 1024);
    const target = join(dir, 'cut.out');
    const error = await reader.extractEntry('store.sqlite', target).then(() => null, (e: unknown) => e);
    reader.close();
    expect((error as Error).message).toMatch(/^store\.sqlite: is truncated/);
    expect(existsSync(target)).toBe(false);
  });

  it('never overwrites a file already at the target', async () => {
    const file = await archive('exists.mldesk', false);
    const target = join(dir, 'exists.out');
    writeFileSync(target, 'mine');
    const error = await extracted(file, target);
    expect((error as Error).message).toMatch(/^store\.sqlite: could not be copied out of the archive \(EEXIST/);
    expect(readFileSync(target, 'utf8')).toBe('mine');
    expect(readdirSync(dir).filter((name) => name.startsWith('exists'))).toEqual(['exists.mldesk', 'exists.out']);
  });
});
