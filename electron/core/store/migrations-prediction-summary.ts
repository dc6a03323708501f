import type { Migration } from './migrations.js';

/**
 * The prediction log's summaries (counts, latency, time span per version; requests over time) read
 * only an index. Not a new index: the by-version one is widened, so a logged row still updates two
 * indexes, each at its end. Without it a summary of a million-row log read every row's page (its
 * inputs and outputs too): ten seconds, during which `mldesk serve` answered nothing else.
 */
export const PREDICTION_SUMMARY_MIGRATION: Migration = {
  version: 17,
  description: 'prediction log summaries from an index: predictions_by_model_version also holds time, latency and the predicted label and value',
  sql: `
    DROP INDEX predictions_by_model_version;
    CREATE INDEX predictions_by_model_version ON predictions(model_name, model_version, prediction_pk, created_time, latency_us, predicted_label, predicted_value);
  `,
};
