/**
 * The lineage module's public API (training, the API handlers and the CLI import from here).
 * The record and graph types every side shares live in shared/lineage.ts.
 */
export { collectCodeLineage, NOT_A_REPOSITORY, type CodeLineageOptions, type CodeState } from './code-lineage.js';
export { codeNotes, compareMetrics, environmentNotes, type BackendProbe, type Notes } from './compare.js';
export { edgesTouching, modelUri, type LineageEdgeRow } from './edges.js';
export { collectHostEnvironment, environmentWithBackend, type HostEnvironment } from './environment.js';
export { lineageGraph } from './lineage-graph.js';
export { buildLineage, datasetLineage, readLineage, recordLineage, recordProducedModel, recordReproductionEdge, type LineageParts } from './lineage-store.js';
export { lineageFromTags, lineageTags } from './lineage-tags.js';
export { canonicalJson, configSha256, trainingConfig, type ConfigInput } from './training-config.js';
