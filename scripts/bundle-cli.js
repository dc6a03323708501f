#!/usr/bin/env node
// `npm run build`, last step: bundles the compiled CLI (dist/electron/cli/mldesk.js and every
// command it loads lazily) into a few files under dist/cli-bundle/ with esbuild. Every `mldesk`
// process used to resolve, open and compile ~900 small modules before doing anything (~0.6 s of
// CPU for `mldesk serve`); the bundle is loaded instead by bin/mldesk.js when it exists.
//
// What stays outside, loaded from node_modules as before: native addons (better-sqlite3, the
// TensorFlow backends), electron, and BullMQ/ioredis, which read their Lua scripts from files
// beside their own code. Worker threads keep running the tsc output in dist/ (see below).
import { build } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const outdir = join(dist, 'cli-bundle');

/**
 * A module finds its worker scripts, the UI folder, resources and package.json relative to its own
 * file (`new URL('./x-worker.js', import.meta.url)`). Once bundled, `import.meta.url` would be the
 * chunk's URL, so each of our modules gets its original file's URL back, written relative to the
 * chunk folder so the tree can still be moved as a whole (an installed or packaged app).
 */
const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(builder) {
    builder.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist + sep) || args.path.startsWith(outdir + sep)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'js' };
      const fromChunk = relative(outdir, args.path).split(sep).join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromChunk)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

const started = performance.now();
// Chunk names carry content hashes: without this, every rebuild would leave the old chunks behind.
await rm(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { mldesk: join(dist, 'electron/cli/mldesk.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3', '@tensorflow/*', 'electron', 'bullmq', 'ioredis'],
  // CommonJS dependencies call require() for Node's own modules.
  banner: { js: "import { createRequire as __mldeskCreateRequire } from 'node:module'; const require = __mldeskCreateRequire(import.meta.url);" },
  plugins: [keepModuleUrls],
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
const files = Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.js'));
// Which modules each file holds (paths from the project folder), for tests that check what a
// command loads before it listens (tests/integration/startup-imports.test.ts).
const modules = Object.fromEntries(files.map((file) => [basename(file), Object.keys(result.metafile.outputs[file].inputs)]));
await writeFile(join(outdir, 'modules.json'), JSON.stringify(modules));
process.stdout.write(`cli bundle: ${files.length} files in ${relative(root, outdir)} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
