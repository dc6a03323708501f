import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import type { PredictionRecord as WireRecord } from '../../shared/app-api/predictions.js';
import { exampleRow } from '../core/serving/example-row.js';
import { recoverJournals } from '../core/serving/prediction-journal.js';
import { predictionStats, predictionVolume, searchPredictions, type PredictionRecord } from '../core/serving/prediction-records.js';
import { listRefusals } from '../core/serving/prediction-refusals.js';
import { feedbackHistory, predictionQuality } from '../core/serving/prediction-quality.js';
import { notFound } from '../core/errors.js';
import type { Services } from '../core/services.js';

type PredictionOperation = 'predictions.page' | 'predictions.stats' | 'predictions.refusals' | 'predictions.example' | 'predictions.quality' | 'predictions.get';
type Input<K extends PredictionOperation> = OperationParsedInput<K>;
type Output<K extends PredictionOperation> = OperationOutput<K>;

const toWire = (p: PredictionRecord): WireRecord => ({
  requestId: p.request_id,
  modelVersion: p.model_version,
  runId: p.run_id,
  inputs: p.inputs,
  output: p.output,
  latencyMs: p.latency_ms,
  endpoint: p.endpoint,
  timestamp: p.timestamp,
  feedback: p.feedback,
});

/** The prediction log of the app API (contract in shared/app-api/predictions.ts). */
export function createPredictionHandlers({ store, datasets, registry }: Pick<Services, 'store' | 'datasets' | 'registry'>) {
  /**
   * A model server that died (killed, crashed) leaves rows in its journal that it answered but had
   * not moved into the table yet: the log views replay such journals first (at most once a second;
   * a live server's journal is its own business).
   */
  let replayedAt = -Infinity;
  const replayJournals = () => {
    if (performance.now() - replayedAt < 1000) return;
    replayedAt = performance.now();
    try {
      recoverJournals(store.db);
    } catch (error) {
      // The journal stays on disk for the next try; the log shows what the table holds meanwhile.
      console.error(`MLDesk: could not replay a stopped model server's prediction journal yet: ${(error as Error).message}`);
    }
  };
  return {
    'predictions.page': (query: Input<'predictions.page'>): Output<'predictions.page'> => {
      replayJournals();
      const page = searchPredictions(store.db, { ...query, maxResults: query.limit });
      return { predictions: page.predictions.map(toWire), ...(page.next_page_token ? { nextPageToken: page.next_page_token } : {}) };
    },
    'predictions.refusals': ({ model, limit }: Input<'predictions.refusals'>): Output<'predictions.refusals'> => ({
      refusals: listRefusals(store.db, model, limit).map(({ model: _model, ...refusal }) => refusal),
    }),
    'predictions.example': ({ model, version }: Input<'predictions.example'>): Promise<Output<'predictions.example'>> => exampleRow(store, datasets, registry, model, version),
    'predictions.quality': (query: Input<'predictions.quality'>): Output<'predictions.quality'> => {
      replayJournals();
      return predictionQuality(store.db, query);
    },
    'predictions.get': ({ model, requestId }: Input<'predictions.get'>): Output<'predictions.get'> => {
      replayJournals();
      const [found] = searchPredictions(store.db, { model, requestId, maxResults: 1 }).predictions;
      if (!found) throw notFound(`No prediction of model '${model}' has request id ${requestId}.`);
      return { prediction: toWire(found), feedbackHistory: feedbackHistory(store.db, requestId) };
    },
    'predictions.stats': ({ model, since }: Input<'predictions.stats'>): Output<'predictions.stats'> => {
      replayJournals();
      const stats = predictionStats(store.db, model, since);
      const volume =
        stats.first_timestamp === null ? { bucketMs: 60_000, buckets: [] } : predictionVolume(store.db, model, since ?? stats.first_timestamp, Math.max(stats.last_timestamp!, Date.now()));
      return {
        total: stats.total,
        withFeedback: stats.with_feedback,
        firstTimestamp: stats.first_timestamp,
        lastTimestamp: stats.last_timestamp,
        byVersion: stats.by_version.map((v) => ({ version: v.version, count: v.count, withFeedback: v.with_feedback, meanLatencyMs: v.mean_latency_ms, accuracy: v.accuracy, mae: v.mae })),
        volume,
      };
    },
  };
}
