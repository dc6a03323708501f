/**
 * What the first page runs before it can ask for anything: the modules main.tsx imports statically
 * (lazy pages aside). The operations' zod schemas were ~40% of that script's CPU in Chromium's
 * profiler (0.5 s of 1.2 s under load), for a client that needs none of them: they must stay out.
 */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('the renderer’s first-page imports', () => {
  it('reach no shared module that builds zod schemas', async () => {
    const result = await build({
      entryPoints: ['renderer/src/main.tsx'],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      splitting: true,
      outdir: 'dist/eager-imports-check',
      external: ['*.css', '*.svg', '*.png'],
      logLevel: 'silent',
    });
    const inputs = result.metafile.inputs;
    const from = new Map<string, string | null>([['renderer/src/main.tsx', null]]);
    const queue = ['renderer/src/main.tsx'];
    while (queue.length > 0) {
      const file = queue.shift()!;
      for (const imported of inputs[file]?.imports ?? []) {
        if (imported.kind !== 'import-statement' || imported.external || from.has(imported.path)) continue;
        from.set(imported.path, file);
        queue.push(imported.path);
      }
    }
    const chain = (file: string) => {
      const out: string[] = [];
      for (let at: string | null | undefined = file; at; at = from.get(at)) out.unshift(at);
      return out.join(' → ');
    };
    const withSchemas = [...from.keys()].filter((file) => file.startsWith('shared/') && (inputs[file]?.imports ?? []).some((imported) => imported.path.includes('node_modules/zod/')));
    expect(withSchemas.map(chain)).toEqual([]);
    // The check itself sees the graph: the runs table is on the first page.
    expect(from.has('renderer/src/features/runs-table/runs-table.tsx')).toBe(true);
  }, 60_000);
});
