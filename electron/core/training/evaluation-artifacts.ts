/**
 * A run's evaluation as artifacts: one JSON file per figure under `evaluation/` (so a reviewer
 * browsing the artifacts, or a script, finds each by name), read back together for the app.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import {
  CalibrationSchema,
  ConfusionMatrixSchema,
  CurvesSchema,
  ErrorHistogramSchema,
  EVALUATION_DIR,
  EVALUATION_FILES,
  EvaluationSummarySchema,
  PerClassSchema,
  PrCurveSchema,
  PredictedVsActualSchema,
  ResidualsSchema,
  RocCurveSchema,
  type RunEvaluation,
} from '../../../shared/evaluation.js';
import type { TrackingStore } from '../store/tracking-store.js';

export interface EvaluationFile {
  /** Relative to the run's artifact root. */
  path: string;
  bytes: Buffer;
}

/**
 * Plotted points keep 8 significant digits: more only make the files bigger. Scores (areas,
 * per-class figures, the summary's metrics) stay exact, equal to the metrics the run logged.
 */
const POINT_KEYS = new Set(['predicted', 'residual', 'actual', 'meanPredicted', 'fractionPositive', 'from', 'to']);
const round = (key: string, value: unknown) =>
  typeof value === 'number' && !Number.isInteger(value) && (/^\d+$/.test(key) || POINT_KEYS.has(key)) ? Number(value.toPrecision(8)) : value;
const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, round, 1)}\n`, 'utf8');

export function evaluationFiles(evaluation: RunEvaluation): EvaluationFile[] {
  const file = (name: string, value: unknown): EvaluationFile => ({ path: `${EVALUATION_DIR}/${name}`, bytes: json(value) });
  const files = [file(EVALUATION_FILES.summary, evaluation.summary)];
  if (evaluation.task === 'classification') {
    if (evaluation.confusionMatrix) files.push(file(EVALUATION_FILES.confusionMatrix, evaluation.confusionMatrix));
    files.push(
      file(EVALUATION_FILES.roc, evaluation.roc),
      file(EVALUATION_FILES.pr, evaluation.pr),
      file(EVALUATION_FILES.perClass, evaluation.perClass),
      file(EVALUATION_FILES.calibration, evaluation.calibration),
    );
  } else {
    files.push(
      file(EVALUATION_FILES.residuals, evaluation.residuals),
      file(EVALUATION_FILES.predictedVsActual, evaluation.predictedVsActual),
      file(EVALUATION_FILES.errorHistogram, evaluation.errorHistogram),
    );
  }
  return files;
}

/**
 * The evaluation a run's artifacts hold, or null when it has none (a run logged from an MLflow
 * client, one trained before evaluations were written) or its files do not parse.
 */
export async function readRunEvaluation(store: TrackingStore, runId: string): Promise<RunEvaluation | null> {
  const root = store.artifacts.localDirOf(store.runs.row(runId, 'runIds').artifact_uri);
  if (root === null) return null;
  const read = async <T extends z.ZodTypeAny>(name: string, schema: T): Promise<z.infer<T> | null> => {
    try {
      const parsed = schema.safeParse(JSON.parse(await readFile(join(root, EVALUATION_DIR, name), 'utf8')));
      return parsed.success ? (parsed.data as z.infer<T>) : null;
    } catch {
      return null;
    }
  };
  const summary = await read(EVALUATION_FILES.summary, EvaluationSummarySchema);
  if (!summary) return null;
  if (summary.task === 'classification') {
    const [confusionMatrix, roc, pr, perClass, calibration] = await Promise.all([
      read(EVALUATION_FILES.confusionMatrix, ConfusionMatrixSchema),
      read(EVALUATION_FILES.roc, CurvesSchema(RocCurveSchema)),
      read(EVALUATION_FILES.pr, CurvesSchema(PrCurveSchema)),
      read(EVALUATION_FILES.perClass, PerClassSchema),
      read(EVALUATION_FILES.calibration, CalibrationSchema),
    ]);
    if (!roc || !pr || !perClass || !calibration) return null;
    return { task: 'classification', summary, confusionMatrix, roc, pr, perClass, calibration };
  }
  const [residuals, predictedVsActual, errorHistogram] = await Promise.all([
    read(EVALUATION_FILES.residuals, ResidualsSchema),
    read(EVALUATION_FILES.predictedVsActual, PredictedVsActualSchema),
    read(EVALUATION_FILES.errorHistogram, ErrorHistogramSchema),
  ]);
  if (!residuals || !predictedVsActual || !errorHistogram) return null;
  return { task: 'regression', summary, residuals, predictedVsActual, errorHistogram };
}
