import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, loadBackend, parseBackendName } from './backend.js';

async function nativeInstalled(pkg: string): Promise<boolean> {
  try {
    const specifier: string = pkg;
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

describe('loadBackend', () => {
  it('an explicitly requested backend that is missing is an error naming it and why', async () => {
    if (await nativeInstalled('@tensorflow/tfjs-node')) return; // Only meaningful where it is missing.
    const error = await loadBackend('node').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(/backend 'node' was requested but is not available: @tensorflow\/tfjs-node is not installed/);
  });

  it('without a request, takes the first that loads and says why the faster ones were skipped', async () => {
    const { tf, info } = await loadBackend();
    expect(tf.getBackend()).toBe(info.engine);
    expect(info.tfVersion).toBe(tf.version.tfjs);
    const order = ['node-gpu', 'node', 'wasm', 'cpu'];
    expect(info.skipped.map((s) => s.name)).toEqual(order.slice(0, order.indexOf(info.name)));
    for (const skipped of info.skipped) expect(skipped.reason).not.toBe('');
  });

  it('the cpu backend always loads, and names are checked', async () => {
    const { tf, info } = await loadBackend('cpu');
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(parseBackendName('WASM')).toBe('wasm');
    expect(() => parseBackendName('gpu')).toThrow(/Unknown backend 'gpu'.*node-gpu, node, wasm, cpu/);
  });

  it('loads tfjs with require(): its CommonJS module itself, not an import() namespace wrapped around it', async () => {
    // On Node 20, import() of the tfjs bundles costs 2 to 3 s per process where require() takes
    // ~0.5 s: every training run, prediction server and reference profile pays it at start.
    const { tf } = await loadBackend('cpu');
    // Compared by identity: a failing toBe would print both multi-megabyte module objects.
    expect(tf === createRequire(import.meta.url)('@tensorflow/tfjs')).toBe(true);
  });

  it('loads started together in a fresh process leave one consistent engine: the automatic choice is made once and ops run', () => {
    // A fresh process: the race is in the WebAssembly backend's first start, which this test file's
    // own process may have made already. It once left the engine naming 'cpu' while holding the wasm
    // backend, and every op threw (a prediction server's requests answered 500).
    const script = `
      import { loadBackend } from ${JSON.stringify(new URL('./backend.ts', import.meta.url).pathname)};
      const loads = await Promise.all([loadBackend(), loadBackend(), loadBackend('cpu'), loadBackend()]);
      const tf = loads[0].tf;
      const engine = tf.engine();
      const sum = tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])).dataSync();
      console.log(JSON.stringify({
        autos: [loads[0], loads[1], loads[3]].map((l) => ({ name: l.info.name, skipped: l.info.skipped.map((s) => s.name) })),
        explicit: loads[2].info.name,
        current: engine.backendName,
        consistent: engine.registry[engine.backendName] === tf.backend(),
        sum: Array.from(sum),
      }));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as { autos: Array<{ name: string; skipped: string[] }>; explicit: string; current: string; consistent: boolean; sum: number[] };
    expect(result.autos[1]).toEqual(result.autos[0]);
    expect(result.autos[2]).toEqual(result.autos[0]);
    expect(result.explicit).toBe('cpu');
    // The last load was automatic: the engine is back on its choice, and its backend object is that one.
    const engines: Record<string, string> = { 'node-gpu': 'tensorflow', node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };
    expect(result.current).toBe(engines[result.autos[0]!.name]);
    expect(result.consistent).toBe(true);
    expect(result.sum).toEqual([2, 2, 2, 2]);
  });
});
