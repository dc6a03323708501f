import type { ClassifierEvaluation, RegressorEvaluation } from '../../../../shared/evaluation';
import { runColor } from '../../components/charts/run-colors';
import { EmptyState, ErrorBanner, Spinner } from '../../components/feedback';
import { HistogramChart, ScatterPlot, UnitCurveChart, type CurveSeries } from './evaluation-charts';
import { ConfusionMatrixTable, PerClassTable, SummaryTable } from './evaluation-tables';
import { useEvaluations, type EvaluationEntry } from './use-evaluations';
import './evaluation.css';

type Entry<T> = { label: string; index: number; evaluation: T };

const withAuc = (name: string, value: number | null, what: string) => (value === null ? name : `${name} · ${what} ${value.toFixed(3)}`);

/**
 * Curves of several entries: a binary model's (one curve each) share one chart; a multiclass
 * model's (one curve per class) get one chart per entry, side by side.
 */
function curveGroups(entries: Array<Entry<ClassifierEvaluation>>, pick: (e: ClassifierEvaluation) => Array<{ class: string; series: Omit<CurveSeries, 'name' | 'color'>; score: number | null }>, what: string) {
  const binary = entries.every((e) => (e.evaluation.summary.classes?.length ?? 0) <= 2);
  if (binary || entries.length === 1) {
    const series = entries.flatMap((e) =>
      pick(e.evaluation).map((c, ci) => ({
        ...c.series,
        name: withAuc(entries.length === 1 ? (binary ? `${c.class}` : c.class) : e.label, c.score, what),
        color: runColor(entries.length === 1 ? ci : e.index),
      })),
    );
    return [{ title: null as string | null, series }];
  }
  return entries.map((e) => ({ title: e.label, series: pick(e.evaluation).map((c, ci) => ({ ...c.series, name: withAuc(c.class, c.score, what), color: runColor(ci) })) }));
}

function ClassifierSection({ entries }: { entries: Array<Entry<ClassifierEvaluation>> }) {
  const labels = entries.map((e) => e.label);
  const binary = entries.every((e) => (e.evaluation.summary.classes?.length ?? 0) <= 2);
  const roc = curveGroups(entries, (e) => e.roc.curves.map((c) => ({ class: c.class, score: c.auc, series: { points: c.points.map(([x, y]) => ({ x, y })) } })), 'AUC');
  const pr = curveGroups(entries, (e) => e.pr.curves.map((c) => ({ class: c.class, score: c.averagePrecision, series: { points: c.points.map(([x, y]) => ({ x, y })) } })), 'AP');
  const calibration = curveGroups(entries, (e) => e.calibration.curves.map((c) => ({ class: c.class, score: null, series: { points: c.points.map((p) => ({ x: p.meanPredicted, y: p.fractionPositive })) } })), '');
  const prevalence = entries.length === 1 && binary ? entries[0]!.evaluation.pr.curves[0]?.prevalence : undefined;
  const suffix = (title: string | null) => (title ? ` · ${title}` : '');
  const positive = binary ? entries[0]!.evaluation.summary.classes?.[1] : undefined;
  return (
    <>
      <SummaryTable
        testId="evaluation-summary"
        labels={labels}
        rows={[
          { label: 'ROC AUC', title: binary ? `Of the positive class '${positive}'` : 'Macro average of each class against the rest', values: entries.map((e) => e.evaluation.roc.average), higherIsBetter: true },
          { label: 'PR AUC (average precision)', title: binary ? `Of the positive class '${positive}'` : 'Macro average of each class against the rest', values: entries.map((e) => e.evaluation.pr.average), higherIsBetter: true },
          { label: 'Accuracy', values: entries.map((e) => e.evaluation.perClass.accuracy), higherIsBetter: true },
          { label: binary ? `Precision ('${positive}')` : 'Precision (macro)', values: entries.map((e) => e.evaluation.summary.metrics.val_precision), higherIsBetter: true },
          { label: binary ? `Recall ('${positive}')` : 'Recall (macro)', values: entries.map((e) => e.evaluation.summary.metrics.val_recall), higherIsBetter: true },
          { label: 'F1 (macro)', values: entries.map((e) => e.evaluation.perClass.macro.f1), higherIsBetter: true },
          { label: 'Validation rows', values: entries.map((e) => e.evaluation.summary.rows), integer: true },
        ]}
      />
      <div className="evaluation-grid">
        {roc.map((g) => (
          <UnitCurveChart key={`roc-${g.title}`} testId="roc-chart" title={`ROC curve${suffix(g.title)}`} series={g.series} x="False positive rate" y="True positive rate" reference={{ kind: 'diagonal', label: 'chance' }} />
        ))}
        {pr.map((g) => (
          <UnitCurveChart
            key={`pr-${g.title}`}
            testId="pr-chart"
            title={`Precision–recall curve${suffix(g.title)}`}
            series={g.series}
            x="Recall"
            y="Precision"
            reference={prevalence !== undefined ? { kind: 'level', y: prevalence, label: `chance (${(prevalence * 100).toFixed(0)}% positive)` } : undefined}
          />
        ))}
        {calibration.map((g) => (
          <UnitCurveChart key={`cal-${g.title}`} testId="calibration-chart" title={`Calibration${suffix(g.title)}`} series={g.series} x="Mean predicted probability" y="Fraction of positives" reference={{ kind: 'diagonal', label: 'perfectly calibrated' }} />
        ))}
      </div>
      <h3 className="subsection-title">Per class</h3>
      <PerClassTable entries={entries} />
      <h3 className="subsection-title">Confusion matrix</h3>
      <div className="confusion-grid">
        {entries.map((e) =>
          e.evaluation.confusionMatrix ? (
            <ConfusionMatrixTable key={e.label} label={e.label} matrix={e.evaluation.confusionMatrix} />
          ) : (
            <p key={e.label} className="muted">
              {e.label}: too many classes for a matrix ({e.evaluation.summary.classes?.length}).
            </p>
          ),
        )}
      </div>
    </>
  );
}

function RegressorSection({ entries }: { entries: Array<Entry<RegressorEvaluation>> }) {
  return (
    <>
      <SummaryTable
        testId="evaluation-summary"
        labels={entries.map((e) => e.label)}
        rows={[
          { label: 'Median absolute error', values: entries.map((e) => e.evaluation.summary.metrics.val_median_abs_error) },
          { label: 'Mean residual (bias)', title: 'Mean of actual − predicted: above 0, the model predicts too low on average', values: entries.map((e) => e.evaluation.errorHistogram.mean) },
          { label: 'Residual standard deviation', values: entries.map((e) => e.evaluation.errorHistogram.std) },
          { label: 'Validation rows', values: entries.map((e) => e.evaluation.summary.rows), integer: true },
        ]}
      />
      <div className="evaluation-grid">
        {entries.map((e) => (
          <ScatterPlot key={`pva-${e.label}`} testId="predicted-actual-chart" title={`Predicted vs actual · ${e.label}`} name={e.label} color={runColor(e.index)} points={e.evaluation.predictedVsActual.points.map((p) => ({ x: p.actual, y: p.predicted }))} x="Actual" y="Predicted" reference="identity" />
        ))}
        {entries.map((e) => (
          <ScatterPlot key={`res-${e.label}`} testId="residuals-chart" title={`Residuals vs predicted · ${e.label}`} name={e.label} color={runColor(e.index)} points={e.evaluation.residuals.points.map((p) => ({ x: p.predicted, y: p.residual }))} x="Predicted" y="Residual (actual − predicted)" reference="zero" />
        ))}
        {entries.map((e) => (
          <HistogramChart key={`hist-${e.label}`} testId="error-histogram" title={`Error histogram · ${e.label}`} name={e.label} color={runColor(e.index)} bins={e.evaluation.errorHistogram.bins} x="Residual (actual − predicted)" />
        ))}
      </div>
    </>
  );
}

/**
 * The validation evaluation of one run, or of several side by side (the versions of a model):
 * tables for the numbers, charts for the curves, each entry in its own colour.
 */
export function EvaluationView({ entries, emptyHint }: { entries: EvaluationEntry[]; emptyHint?: string }) {
  const { loaded, error, retry } = useEvaluations(entries);
  if (error) return <ErrorBanner message={`Could not load the evaluation: ${error}`} onRetry={retry} />;
  if (!loaded) return <Spinner label="Loading evaluation…" />;
  const present = loaded.flatMap((e, index) => (e.evaluation ? [{ label: e.label, index, evaluation: e.evaluation }] : []));
  const missing = loaded.filter((e) => !e.evaluation).map((e) => e.label);
  if (present.length === 0) {
    return (
      <EmptyState title="No evaluation recorded">
        {emptyHint ?? 'MLDesk writes an evaluation (evaluation/*.json) when it trains a model with a validation split. Runs logged from an MLflow client, or trained before evaluations were written, have none.'}
      </EmptyState>
    );
  }
  const task = present[0]!.evaluation.task;
  const same = present.filter((e) => e.evaluation.task === task);
  const other = present.filter((e) => e.evaluation.task !== task).map((e) => e.label);
  return (
    <div className="evaluation-view" data-testid="evaluation-view" data-task={task}>
      <p className="muted evaluation-note">
        On the validation split ({same.map((e) => `${e.label}: ${e.evaluation.summary.rows.toLocaleString('en-US')} rows`).join(', ')}), with the weights the model was saved with.
        {missing.length > 0 && ` No evaluation recorded for ${missing.join(', ')}.`}
        {other.length > 0 && ` ${other.join(', ')} ${other.length === 1 ? 'is' : 'are'} a different task and not shown.`}
      </p>
      {task === 'classification' ? (
        <ClassifierSection entries={same as Array<Entry<ClassifierEvaluation>>} />
      ) : (
        <RegressorSection entries={same as Array<Entry<RegressorEvaluation>>} />
      )}
    </div>
  );
}
