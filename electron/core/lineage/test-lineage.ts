/** A complete lineage record for the lineage tests (not shipped: only *.test.ts files import this). */
import type { RunLineage } from '../../../shared/lineage.js';

export function sampleLineage(runId: string, overrides: Partial<RunLineage> = {}): RunLineage {
  return {
    schemaVersion: 1,
    runId,
    recordedTime: 1_700_000_000_000,
    code: {
      projectDir: '/home/ana/churn',
      git: { root: '/home/ana/churn', commit: 'a'.repeat(40), branch: 'main', dirty: true, diffSha256: 'b'.repeat(64), untrackedFiles: 2 },
      gitProblem: null,
      configSha256: 'c'.repeat(64),
    },
    environment: {
      os: 'linux',
      osRelease: '6.8.0',
      arch: 'x64',
      cpuModel: 'AMD Ryzen 9 7950X, 16-Core Processor',
      cpuCores: 32,
      totalMemoryBytes: 64 * 2 ** 30,
      gpus: [{ name: 'NVIDIA GeForce RTX 4090', driver: '550.54.14', memory: '24564 MiB' }],
      node: '20.19.0',
      electron: '45.5.0',
      tfjs: '4.22.0',
      backend: 'wasm',
      backendEngine: 'wasm',
      backendDetails: { wasmVersion: '4.22.0', simd: true, threads: 1 },
      mldesk: '0.1.0',
      packageLockSha256: 'd'.repeat(64),
    },
    data: { kind: 'dataset', name: 'churn', ref: 'churn@3', version: 3, datasetVersionId: 7, sha256: 'e'.repeat(64), rows: 5000, source: 'mldesk-dataset:churn@3' },
    config: {
      template: 'mlp',
      target: 'churned',
      task: null,
      hyperparameters: { hiddenUnits: [32, 16], activation: 'relu', learningRate: 0.01, batchSize: 32, epochs: 20, dropout: 0.1, l2: 0, optimizer: 'adam', validationSplit: 0.2, earlyStoppingPatience: 5, earlyStoppingMinDelta: 0, seed: 42 },
      data: 'churn@3',
      backend: 'auto',
    },
    reproductionOf: null,
    ...overrides,
  };
}
