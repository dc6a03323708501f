import { useCallback, useEffect, useState } from 'react';
import type { DatasetSummary } from '../../../../shared/datasets';
import type { QualityTest } from '../../../../shared/app-api/quality-tests';
import { QUALITY_METRICS } from '../../../../shared/quality-metrics';
import { call } from '../../api/app-client';
import { formatRelative, formatTime } from '../../components/format';
import { ConfusionMatrixTable } from '../evaluation/evaluation-tables';
import '../evaluation/evaluation.css';
import './quality-tests-panel.css';

/** Versions offered per dataset, newest first: older ones are one `mldesk monitor test` away. */
const VERSIONS_OFFERED = 10;

const HEADLINES: Record<QualityTest['task'], Array<{ key: string; label: string; title: string }>> = {
  classification: [
    { key: 'accuracy', label: QUALITY_METRICS.accuracy.label, title: 'Share of rows whose predicted class is the label' },
    { key: 'f1_macro', label: QUALITY_METRICS.f1_macro.label, title: 'Mean of the per-class F1 scores' },
    { key: 'roc_auc', label: QUALITY_METRICS.roc_auc.label, title: 'Binary: on the positive class; multiclass: one-vs-rest, averaged' },
    { key: 'log_loss', label: QUALITY_METRICS.log_loss.label, title: 'Mean −ln P(label); probabilities clipped to [2.2e-16, 1 − 2.2e-16]' },
    { key: 'calibration_error', label: QUALITY_METRICS.calibration_error.label, title: 'Expected calibration error over 10 probability bins' },
  ],
  regression: [
    { key: 'rmse', label: QUALITY_METRICS.rmse.label, title: 'Root mean squared error' },
    { key: 'mae', label: QUALITY_METRICS.mae.label, title: 'Mean absolute error' },
    { key: 'r2', label: QUALITY_METRICS.r2.label, title: 'Coefficient of determination' },
  ],
};

const figure = (value: number | null | undefined) => (value === null || value === undefined ? '—' : value.toFixed(4));
const shortSha = (sha: string) => `${sha.slice(0, 10)}…`;

function OverlapNote({ test }: { test: QualityTest }) {
  if (test.overlap.warning)
    return (
      <p className="quality-test-overlap warn" role="alert" data-testid="quality-test-overlap">
        <span aria-hidden="true">⚠</span> {test.overlap.warning}
      </p>
    );
  return (
    <p className="quality-test-overlap muted" data-testid="quality-test-overlap">
      {test.overlap.checked ? `No evaluated row is a row of the training data ${test.training?.ref ?? ''}.` : 'The training data is unknown (no dataset in lineage): overlap not checked.'}
    </p>
  );
}

function TestResult({ test }: { test: QualityTest }) {
  const perClass = test.evaluation.task === 'classification' ? test.evaluation.perClass.classes.map((c) => c.class) : [];
  return (
    <div className="quality-test-result" data-testid="quality-test-result" data-test-id={test.id}>
      <p className="quality-test-lineage">
        <span className="mono">{test.dataset.ref}</span> <span className="muted">sha256 {shortSha(test.dataset.sha256)}</span> · {test.rows.toLocaleString('en-US')} rows scored
        {test.skipped.missingLabel + test.skipped.unknownClass > 0 && (
          <span className="muted">
            {' '}
            ({test.skipped.missingLabel} without a label, {test.skipped.unknownClass} of an unknown class left out)
          </span>
        )}
        <br />
        <span className="muted">
          trained on {test.training ? <span className="mono">{test.training.ref}</span> : 'unknown data'} · tested{' '}
          <time dateTime={new Date(test.createdTime).toISOString()} title={formatTime(test.createdTime)}>
            {formatRelative(test.createdTime)}
          </time>
        </span>
      </p>
      <OverlapNote test={test} />
      <dl className="quality-test-metrics" data-testid="quality-test-metrics">
        {HEADLINES[test.task].map((m) => (
          <div key={m.key} title={m.title} data-metric={m.key}>
            <dt>{m.label}</dt>
            <dd>{figure(test.metrics[m.key])}</dd>
          </div>
        ))}
      </dl>
      {perClass.length > 0 && (
        <div className="quality-test-classes">
          <table className="quality-test-class-table" data-testid="quality-test-classes">
            <thead>
              <tr>
                <th scope="col">Class</th>
                <th scope="col">Precision</th>
                <th scope="col">Recall</th>
                <th scope="col">F1</th>
              </tr>
            </thead>
            <tbody>
              {perClass.map((c) => (
                <tr key={c}>
                  <th scope="row">{c}</th>
                  <td>{figure(test.metrics[`precision:${c}`])}</td>
                  <td>{figure(test.metrics[`recall:${c}`])}</td>
                  <td>{figure(test.metrics[`f1:${c}`])}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {test.evaluation.task === 'classification' && test.evaluation.confusionMatrix && <ConfusionMatrixTable label={`Confusion matrix · ${test.dataset.ref}`} matrix={test.evaluation.confusionMatrix} />}
        </div>
      )}
    </div>
  );
}

/**
 * Quality tests of a model version: evaluate it on a dataset version and see its figures and
 * whether the evaluated rows overlap the data it was trained on.
 */
export function QualityTestsPanel({ model, version, trainingRefs }: { model: string; version: string; trainingRefs: readonly string[] }) {
  const [datasets, setDatasets] = useState<DatasetSummary[] | null>(null);
  const [tests, setTests] = useState<QualityTest[] | null>(null);
  const [picked, setPicked] = useState('');
  const [shown, setShown] = useState<number | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [list, found] = await Promise.all([call('datasets.list', {}), call('qualityTests.list', { model, version })]);
      setDatasets(list.datasets);
      setTests(found.tests);
      setError(null);
    } catch (failure) {
      setError(`Could not load the quality tests: ${(failure as Error).message}`);
    }
  }, [model, version]);
  useEffect(() => {
    void load();
  }, [load]);

  const refs = (datasets ?? []).flatMap((d) => Array.from({ length: Math.min(VERSIONS_OFFERED, d.latestVersion) }, (_, i) => `${d.name}@${d.latestVersion - i}`));
  const choice = picked || refs.find((r) => !trainingRefs.includes(r)) || refs[0] || '';

  const run = async () => {
    if (!choice) return;
    setRunning(true);
    setError(null);
    try {
      const { test } = await call('qualityTests.run', { model, version, dataset: choice });
      setTests((previous) => [test, ...(previous ?? [])]);
      setShown(test.id);
    } catch (failure) {
      setError(`The test on ${choice} failed: ${(failure as Error).message}`);
    } finally {
      setRunning(false);
    }
  };

  const current = tests?.find((t) => t.id === shown) ?? tests?.[0] ?? null;
  // A past test shown also sets the form to its dataset version, so "Run test" runs it again
  // rather than on whatever the list happened to show.
  const showTest = (test: QualityTest) => {
    setShown(test.id);
    if (refs.includes(test.dataset.ref)) setPicked(test.dataset.ref);
  };
  return (
    <section className="card quality-tests-panel" data-testid="quality-tests-panel">
      <div className="card-header">
        <span>Quality tests · v{version}</span>
        <span className="muted">evaluate on any dataset version</span>
      </div>
      <div className="card-body">
        <form data-writes
          className="quality-test-form"
          onSubmit={(event) => {
            event.preventDefault();
            void run();
          }}
        >
          <label>
            Dataset version
            <select data-testid="quality-test-dataset" value={choice} onChange={(e) => setPicked(e.target.value)} disabled={running || refs.length === 0}>
              {refs.map((ref) => (
                <option key={ref} value={ref}>
                  {ref}
                  {trainingRefs.includes(ref) ? ' (training data)' : ''}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="btn btn-primary" data-testid="quality-test-run" disabled={running || !choice}>
            {running ? 'Testing…' : 'Run test'}
          </button>
        </form>
        {datasets && refs.length === 0 && <p className="muted">No dataset version to test on yet: import one on the Datasets page.</p>}
        {error && (
          <p className="quality-test-error" role="alert">
            {error}
          </p>
        )}
        {tests && tests.length === 0 && !running && <p className="muted">No test yet: pick a dataset version the model was not trained on and run one.</p>}
        {current && <TestResult test={current} />}
        {tests && tests.length > 1 && (
          <table className="quality-test-history" data-testid="quality-test-history">
            <caption className="muted">Every test of this version, newest first (pick one to show it)</caption>
            <thead>
              <tr>
                <th scope="col">Dataset</th>
                <th scope="col">{tests[0]!.task === 'classification' ? 'Accuracy' : 'RMSE'}</th>
                <th scope="col">Overlap</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {tests.map((t) => (
                <tr
                  key={t.id}
                  className={t.id === current?.id ? 'selected' : undefined}
                  onClick={() => showTest(t)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' || e.key === ' ') {
                      e.preventDefault();
                      showTest(t);
                    }
                  }}
                  tabIndex={0}
                  aria-selected={t.id === current?.id}
                >
                  <td className="mono">{t.dataset.ref}</td>
                  <td>{figure(t.metrics[t.task === 'classification' ? 'accuracy' : 'rmse'])}</td>
                  <td className={t.overlap.rows > 0 ? 'warn' : undefined}>{t.overlap.checked ? `${(t.overlap.share * 100).toFixed(t.overlap.share === 1 || t.overlap.share === 0 ? 0 : 1)}%` : '—'}</td>
                  <td title={formatTime(t.createdTime)}>{formatRelative(t.createdTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
