/**
 * The TensorFlow.js backend chain: native TensorFlow with CUDA, native TensorFlow on the CPU,
 * WebAssembly (XNNPACK), then plain JavaScript. The native packages are optional dependencies whose
 * install downloads libtensorflow, so they are only found at run time, by trying to import them.
 */
import type * as TfModule from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { MLDeskError } from '../errors.js';

export const BACKEND_NAMES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The tfjs API. With a native backend it is the namespace the native package re-exports. */
export type Tf = typeof TfModule;

// The tfjs packages are CommonJS bundles: on Node 20, import() runs the ESM loader's export scan
// over each multi-megabyte file, so loading the cpu backend took 0.7-0.8 s against 0.35 s with
// require() on an idle machine (1.5-2 s against 0.4-0.8 s on a loaded one). Every training run,
// prediction server and reference profile starts with this load.
const requireTf = createRequire(import.meta.url);

// Loaded on first use, which `mldesk serve` and the parent of a training run (which only forks the
// worker) should not pay.
const loadTfjs = async (): Promise<Tf> => requireTf('@tensorflow/tfjs') as Tf;

export interface BackendInfo {
  name: BackendName;
  /** tfjs's registry name: tensorflow, wasm or cpu. */
  engine: string;
  tfVersion: string;
  details: Record<string, string | number | boolean>;
  /** Backends tried before this one and why each could not be used. */
  skipped: { name: BackendName; reason: string }[];
}

export interface LoadedBackend {
  tf: Tf;
  info: BackendInfo;
}

export class BackendUnavailableError extends MLDeskError {
  constructor(
    name: BackendName,
    readonly reason: string,
  ) {
    super('INVALID_PARAMETER_VALUE', `The TensorFlow.js backend '${name}' was requested but is not available: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}

const NATIVE_PACKAGES: Record<'node-gpu' | 'node', string> = { 'node-gpu': '@tensorflow/tfjs-node-gpu', node: '@tensorflow/tfjs-node' };

/** Why an import failed, in a line: "not installed" for the usual case, the loader's message otherwise. */
function importFailure(pkg: string, error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  if (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') {
    if (String(err.message).includes(pkg)) return `${pkg} is not installed (an optional dependency whose install downloads libtensorflow).`;
  }
  return `loading ${pkg} failed: ${String(err.message ?? error).split('\n')[0]}`;
}

async function loadNative(name: 'node-gpu' | 'node'): Promise<LoadedBackend> {
  const pkg = NATIVE_PACKAGES[name];
  let native: Tf & { version: Record<string, string> };
  try {
    // A variable specifier keeps TypeScript from requiring the optional package's types.
    const specifier: string = pkg;
    native = requireTf(specifier) as typeof native;
  } catch (error) {
    throw new BackendUnavailableError(name, importFailure(pkg, error));
  }
  if (!(await native.setBackend('tensorflow'))) throw new BackendUnavailableError(name, `${pkg} loaded but its 'tensorflow' backend did not initialise.`);
  await native.ready();
  const details: BackendInfo['details'] = { package: pkg, packageVersion: native.version['tfjs-node'] ?? native.version['tfjs-node-gpu'] ?? 'unknown' };
  const binding = (native.backend() as unknown as { binding?: { TF_Version?: string } }).binding;
  if (binding?.TF_Version) details.libtensorflow = binding.TF_Version;
  return { tf: native, info: { name, engine: 'tensorflow', tfVersion: native.version.tfjs ?? native.version['tfjs-core'] ?? 'unknown', details, skipped: [] } };
}

async function loadWasm(): Promise<LoadedBackend> {
  const tfjs = await loadTfjs();
  let wasm: { getThreadsCount(): number; version_wasm: string };
  try {
    wasm = requireTf('@tensorflow/tfjs-backend-wasm') as typeof wasm;
  } catch (error) {
    throw new BackendUnavailableError('wasm', importFailure('@tensorflow/tfjs-backend-wasm', error));
  }
  try {
    if (!(await tfjs.setBackend('wasm'))) throw new Error('the WebAssembly module did not initialise');
    await tfjs.ready();
  } catch (error) {
    throw new BackendUnavailableError('wasm', (error as Error).message);
  }
  const simd = Boolean(await tfjs.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  return {
    tf: tfjs,
    info: { name: 'wasm', engine: 'wasm', tfVersion: tfjs.version.tfjs, details: { wasmVersion: wasm.version_wasm, simd, threads: wasm.getThreadsCount() }, skipped: [] },
  };
}

async function loadCpu(): Promise<LoadedBackend> {
  const tfjs = await loadTfjs();
  await tfjs.setBackend('cpu');
  await tfjs.ready();
  return { tf: tfjs, info: { name: 'cpu', engine: 'cpu', tfVersion: tfjs.version.tfjs, details: { implementation: 'JavaScript' }, skipped: [] } };
}

const LOADERS: Record<BackendName, () => Promise<LoadedBackend>> = {
  'node-gpu': () => loadNative('node-gpu'),
  node: () => loadNative('node'),
  wasm: loadWasm,
  cpu: loadCpu,
};

export function parseBackendName(text: string): BackendName {
  const name = text.trim().toLowerCase();
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new MLDeskError('INVALID_PARAMETER_VALUE', `Unknown backend '${text}': expected one of ${BACKEND_NAMES.join(', ')}.`);
  }
  return name as BackendName;
}

/**
 * Loads the requested backend, or the fastest one that works. A requested backend that cannot
 * be loaded is an error rather than a silent fallback: a run must train on what it says it used.
 */
export function loadBackend(requested?: BackendName): Promise<LoadedBackend> {
  // One at a time: tfjs has one engine per process, and its setBackend is not safe to interleave.
  // Two loads at once (a prediction server and a reference profile starting together) each began
  // the WebAssembly backend's asynchronous start; the second's failed, it fell back to 'cpu', and
  // the first then finished, leaving the engine naming 'cpu' while holding the wasm backend: every
  // op after that threw (`Cannot read properties of undefined (reading 'get')` in a cpu kernel).
  const load = loading.then(() => loadNow(requested));
  loading = load.catch(() => undefined);
  return load;
}
let loading: Promise<unknown> = Promise.resolve();
/** The automatic choice, made once per process: the backends present do not change while it runs. */
let chosen: { name: BackendName; skipped: BackendInfo['skipped'] } | undefined;

async function loadNow(requested: BackendName | undefined): Promise<LoadedBackend> {
  // Production mode drops tfjs's console advice to install tfjs-node: the run's tags say which
  // backend was used and why the faster ones were skipped.
  (await loadTfjs()).env().set('PROD', true);
  if (requested) return LOADERS[requested]();
  if (chosen) {
    // Made current again: another caller may have asked for a different one since.
    const loaded = await LOADERS[chosen.name]();
    loaded.info.skipped = [...chosen.skipped];
    return loaded;
  }
  const skipped: BackendInfo['skipped'] = [];
  for (const name of BACKEND_NAMES) {
    try {
      const loaded = await LOADERS[name]();
      chosen = { name, skipped: [...skipped] };
      loaded.info.skipped = skipped;
      return loaded;
    } catch (error) {
      skipped.push({ name, reason: error instanceof BackendUnavailableError ? error.reason : (error as Error).message });
    }
  }
  throw new MLDeskError('INTERNAL_ERROR', `No TensorFlow.js backend could be loaded: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

export interface BackendAvailability {
  name: BackendName;
  available: boolean;
  /** Why it cannot be used; null when it can. */
  reason: string | null;
}

const BACKEND_PACKAGES: Record<Exclude<BackendName, 'cpu'>, string> = { ...NATIVE_PACKAGES, wasm: '@tensorflow/tfjs-backend-wasm' };

/**
 * Which backends are installed, found by resolving their packages without loading them (loading
 * native TensorFlow takes seconds and belongs in the training worker). A native package that is
 * installed may still fail to load there (no GPU, a broken libtensorflow): the run says why.
 */
export function backendAvailability(resolve: (specifier: string) => string = (specifier) => import.meta.resolve(specifier)): BackendAvailability[] {
  return BACKEND_NAMES.map((name) => {
    if (name === 'cpu') return { name, available: true, reason: null };
    const pkg = BACKEND_PACKAGES[name];
    try {
      resolve(pkg);
      return { name, available: true, reason: null };
    } catch {
      return { name, available: false, reason: `${pkg} is not installed${name === 'wasm' ? '' : ' (an optional dependency whose install downloads libtensorflow)'}.` };
    }
  });
}
