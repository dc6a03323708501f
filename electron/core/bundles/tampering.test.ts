import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ArchiveError, openSignedArchive, verifySignedArchive } from './archive-reader.js';
import { writeSignedArchive } from './archive-writer.js';
import { loadSigningIdentity, type SigningIdentity } from './signing-identity.js';

let dir: string;
let identity: SigningIdentity;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-tamper-'));
  identity = loadSigningIdentity(join(dir, 'me'), 'me');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONTENT: Record<string, string> = {
  'runs/r1/run.json': JSON.stringify({ runId: 'r1', params: { lr: 0.01 }, note: 'first run' }),
  'artifacts/r1/model.txt': Array.from({ length: 12 }, (_, i) => `weight ${i} ${(i * 0.37).toFixed(3)}`).join('\n'),
  'sub/deeper/c.txt': 'the last entry',
};

async function archive(name: string, compress: boolean): Promise<string> {
  const out = join(dir, name);
  await writeSignedArchive(out, { kind: 'bundle', meta: {}, identity, appVersion: 'test', compress, entries: Object.entries(CONTENT).map(([path, data]) => ({ path, data })) });
  return out;
}

/** Where each entry's stored bytes sit in the file. */
function dataRanges(file: string): Promise<Map<string, { start: number; end: number }>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error('no zip'));
      const ranges = new Map<string, { start: number; end: number }>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.readLocalFileHeader(entry, { minimal: true }, (headerError, header) => {
          if (headerError) return reject(headerError);
          ranges.set(entry.fileName, { start: header.fileDataStart, end: header.fileDataStart + entry.compressedSize });
          zip.readEntry();
        });
      });
      zip.on('end', () => {
        zip.close();
        resolve(ranges);
      });
      zip.readEntry();
    });
  });
}

describe('tampering', () => {
  it.each([
    ['stored', false],
    ['deflated', true],
  ])('one changed byte in any %s entry is named; a change anywhere else is refused or harmless', { timeout: 120_000 }, async (_label, compress) => {
    const original = await archive(`flip-${compress}.mldesk`, compress);
    const bytes = readFileSync(original);
    const ranges = await dataRanges(original);
    const tampered = join(dir, `flipped-${compress}.mldesk`);
    let refusedCount = 0;
    for (let at = 0; at < bytes.length; at++) {
      const inEntry = [...ranges].find(([, r]) => at >= r.start && at < r.end)?.[0] ?? null;
      // Every byte of the data and the signed parts; a sample of the zip's headers elsewhere.
      if (!inEntry && at % 5 !== 0) continue;
      const copy = Buffer.from(bytes);
      copy[at] = copy[at]! ^ 0x01;
      writeFileSync(tampered, copy);
      const result = await verifySignedArchive(tampered, () => null);
      if (inEntry && inEntry !== 'manifest.json' && inEntry !== 'manifest.sig') {
        expect(result.ok, `byte ${at} in ${inEntry}`).toBe(false);
        expect(result.problem?.path, `byte ${at} in ${inEntry}`).toBe(inEntry);
      } else if (inEntry) {
        expect(result.ok, `byte ${at} in ${inEntry}`).toBe(false);
      }
      if (!result.ok) {
        refusedCount++;
        continue;
      }
      // Accepted: then what it holds is exactly what was signed (a timestamp or attribute changed).
      const reader = await openSignedArchive(tampered);
      for (const [path, text] of Object.entries(CONTENT)) expect((await reader.read(path)).toString()).toBe(text);
      reader.close();
    }
    expect(refusedCount).toBeGreaterThan([...ranges.values()].reduce((sum, r) => sum + r.end - r.start, 0));
  });

  it('extract() writes nothing when a later entry was changed, and leaves what was there', async () => {
    const file = await archive('extract.mldesk', false);
    const bytes = readFileSync(file);
    const last = (await dataRanges(file)).get('sub/deeper/c.txt')!;
    bytes[last.start + 3] = bytes[last.start + 3]! ^ 0x20;
    writeFileSync(file, bytes);
    const reader = await openSignedArchive(file);
    const fresh = join(dir, 'fresh-target');
    await expect(reader.extract(fresh)).rejects.toThrow(/^sub\/deeper\/c\.txt: its SHA-256 is [0-9a-f]{64}, the manifest says/);
    expect(existsSync(fresh)).toBe(false);
    const existing = join(dir, 'existing-target');
    mkdirSync(join(existing, 'runs', 'r1'), { recursive: true });
    writeFileSync(join(existing, 'runs', 'r1', 'run.json'), 'mine');
    await expect(reader.extract(existing)).rejects.toBeInstanceOf(ArchiveError);
    expect(readFileSync(join(existing, 'runs', 'r1', 'run.json'), 'utf8')).toBe('mine');
    expect(readdirSync(existing, { recursive: true }).sort()).toEqual(['runs', 'runs/r1', 'runs/r1/run.json']);
    reader.close();
  });

  it('extract() does not follow a symbolic link planted in the target folder', async () => {
    const file = await archive('link-target.mldesk', true);
    const outside = join(dir, 'outside');
    const target = join(dir, 'linked-target');
    mkdirSync(outside);
    mkdirSync(target);
    symlinkSync(outside, join(target, 'sub'));
    const reader = await openSignedArchive(file);
    await expect(reader.extract(target)).rejects.toThrow('sub/deeper/c.txt: cannot be extracted: sub is a symbolic link in the target folder');
    reader.close();
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(target).sort()).toEqual(['sub']);
  });
});

describe('writer', () => {
  it('a failure part-way (a bad path, a source that breaks) leaves no archive and no partial file', async () => {
    const target = join(dir, 'writer-out');
    mkdirSync(target);
    const out = join(target, 'x.mldesk');
    const base = { kind: 'bundle' as const, meta: {}, identity, appVersion: 'test' };
    await expect(writeSignedArchive(out, { ...base, entries: [{ path: 'ok.txt', data: 'x' }, { path: '../escape.txt', data: 'y' }] })).rejects.toThrow("archive entry '../escape.txt': must not contain empty, '.' or '..' segments");
    await expect(writeSignedArchive(out, { ...base, entries: [{ path: 'a.txt', data: 'x' }, { path: 'a.txt', data: 'y' }] })).rejects.toThrow("archive entry 'a.txt' is listed twice");
    await expect(writeSignedArchive(out, { ...base, entries: [{ path: 'manifest.json', data: '{}' }] })).rejects.toThrow("archive entry 'manifest.json' is reserved");
    await expect(writeSignedArchive(out, { ...base, entries: [{ path: 'gone.bin', file: join(dir, 'does-not-exist.bin') }] })).rejects.toThrow(/ENOENT/);
    async function* breaking() {
      yield { path: 'first.txt', data: 'first' };
      throw new Error('the store went away');
    }
    await expect(writeSignedArchive(out, { ...base, entries: breaking() })).rejects.toThrow('the store went away');
    expect(readdirSync(target)).toEqual([]);
  });
});

describe('signing identity', () => {
  it('two processes creating the key of one fresh data dir at once both end with the same key', { timeout: 120_000 }, async () => {
    const moduleUrl = new URL('./signing-identity.ts', import.meta.url).pathname;
    const rounds = 80;
    const dataDirs = Array.from({ length: rounds }, (_, i) => join(dir, `race-${i}`));
    // Each child waits for the start time on stdin, then per round spins to that round's instant
    // so both call loadSigningIdentity on the fresh dir within microseconds of each other.
    const script = `const { loadSigningIdentity } = await import(${JSON.stringify(moduleUrl)});
      const dirs = ${JSON.stringify(dataDirs)};
      console.log('ready');
      process.stdin.setEncoding('utf8');
      const start = Number(await new Promise((r) => process.stdin.once('data', r)));
      const keys = [];
      for (let i = 0; i < dirs.length; i++) {
        while (performance.timeOrigin + performance.now() < start + i * 15) {}
        keys.push(loadSigningIdentity(dirs[i], 'x').signer.publicKey);
      }
      console.log(JSON.stringify(keys));
      process.exit(0);`;
    const children = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }));
    onTestFinished(() => {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    });
    const outputs = children.map((child) => {
      let text = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      const ready = new Promise<void>((resolve) => {
        const check = () => (text.includes('ready\n') ? resolve() : child.stdout!.once('data', check));
        check();
      });
      const done = new Promise<string[]>((resolve) => child.once('exit', () => resolve(JSON.parse(text.split('\n')[1]!) as string[])));
      return { ready, done };
    });
    await Promise.all(outputs.map((o) => o.ready));
    const start = Date.now() + 300;
    for (const child of children) child.stdin!.write(`${start}\n`);
    const [first, second] = await Promise.all(outputs.map((o) => o.done));
    for (let i = 0; i < rounds; i++) {
      const onDisk = loadSigningIdentity(dataDirs[i]!, 'x').signer.publicKey;
      expect([first![i], second![i]], `round ${i}`).toEqual([onDisk, onDisk]);
      expect(readdirSync(join(dataDirs[i]!, 'keys')), `round ${i}: no temp file left`).toEqual(['signing-key.pem']);
    }
  });
});
