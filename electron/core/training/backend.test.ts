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
});
