import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { GateResult, PipelineRun, ShadowComparison } from '../../../../shared/app-api/pipelines';
import { call } from '../../api/app-client';
import { qualityMetricInfo } from '../../../../shared/quality-metrics';

interface Evaluated {
  version: string;
  metrics: Record<string, number | null>;
}
interface EvaluateDetail {
  holdout: { ref: string; sha256: string; rows: number };
  champion: Evaluated;
  challenger: Evaluated;
}

const fmt = (value: number | null | undefined) => (value === null || value === undefined ? '–' : Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(4));

/** The evaluate step's figures, when it got that far. */
export function evaluationOf(run: PipelineRun): EvaluateDetail | null {
  const step = run.steps.find((s) => s.step === 'evaluate');
  const detail = step?.detail as Partial<EvaluateDetail> | undefined;
  return detail?.champion && detail.challenger && detail.holdout ? (detail as EvaluateDetail) : null;
}

export function gatesOf(run: PipelineRun): GateResult[] {
  const gates = run.steps.find((s) => s.step === 'gate')?.detail.gates;
  return Array.isArray(gates) ? (gates as GateResult[]) : [];
}

/** Overall metrics (not per class), the policy's metric first. */
function metricNames(evaluation: EvaluateDetail, first: string | undefined): string[] {
  const names = Object.keys(evaluation.challenger.metrics).filter((name) => !name.includes(':') && !name.startsWith('label_') && evaluation.challenger.metrics[name] !== null);
  return first && names.includes(first) ? [first, ...names.filter((n) => n !== first)] : names;
}

/** Champion vs challenger on the held-out data: a table and a bar chart of the bounded metrics. */
export function ChampionChallenger({ run, metric }: { run: PipelineRun; metric?: string }) {
  const evaluation = evaluationOf(run);
  if (!evaluation) return <p className="muted card-empty">No evaluation: the run ended before its evaluate step.</p>;
  const names = metricNames(evaluation, metric);
  // Bars only for metrics on a 0..1 scale, so one axis reads them all.
  const bounded = names.filter((n) => [evaluation.champion.metrics[n], evaluation.challenger.metrics[n]].every((v) => v !== null && v !== undefined && v >= 0 && v <= 1));
  const data = bounded.map((n) => ({ metric: qualityMetricInfo(n)?.label ?? n, champion: evaluation.champion.metrics[n], challenger: evaluation.challenger.metrics[n] }));
  return (
    <div className="pipeline-comparison">
      <p className="muted pipeline-holdout">
        Held-out data <code>{evaluation.holdout.ref}</code> ({evaluation.holdout.rows.toLocaleString('en-US')} rows, sha256 <code>{evaluation.holdout.sha256.slice(0, 12)}…</code>), in neither model&apos;s training data.
      </p>
      <div className="pipeline-comparison-body">
        <table className="data-table" data-testid="pipeline-comparison-table">
          <thead>
            <tr>
              <th>Metric</th>
              <th className="num">Champion v{evaluation.champion.version}</th>
              <th className="num">Challenger v{evaluation.challenger.version}</th>
              <th className="num">Δ</th>
            </tr>
          </thead>
          <tbody>
            {names.map((name) => {
              const a = evaluation.champion.metrics[name] ?? null;
              const b = evaluation.challenger.metrics[name] ?? null;
              const delta = a === null || b === null ? null : b - a;
              const info = qualityMetricInfo(name);
              const better = delta !== null && delta !== 0 && (info?.higherIsBetter ?? true) === delta > 0;
              return (
                <tr key={name} className={name === metric ? 'pipeline-policy-metric' : undefined}>
                  <td>{info?.label ?? name}</td>
                  <td className="num">{fmt(a)}</td>
                  <td className="num">{fmt(b)}</td>
                  <td className={`num ${delta === null || delta === 0 ? '' : better ? 'pipeline-better' : 'pipeline-worse'}`}>{delta === null ? '–' : `${delta > 0 ? '+' : ''}${fmt(delta)}`}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {data.length > 0 && (
          <div className="pipeline-chart" data-testid="pipeline-comparison-chart" role="img" aria-label="Champion and challenger metrics on the held-out data">
            <BarChart width={380} height={220} data={data} margin={{ top: 8, right: 8, bottom: 4, left: 0 }}>
              <CartesianGrid stroke="var(--chart-grid)" vertical={false} />
              <XAxis dataKey="metric" tick={{ fill: 'var(--muted)', fontSize: 11 }} stroke="var(--border)" />
              <YAxis domain={[0, 1]} tick={{ fill: 'var(--muted)', fontSize: 11 }} stroke="var(--border)" width={36} />
              <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)' }} formatter={(v) => fmt(Number(v))} />
              <Legend wrapperStyle={{ fontSize: 12, color: 'var(--text)' }} />
              <Bar dataKey="champion" name={`Champion v${evaluation.champion.version}`} fill="var(--muted)" isAnimationActive={false} />
              <Bar dataKey="challenger" name={`Challenger v${evaluation.challenger.version}`} fill="var(--accent)" isAnimationActive={false} />
            </BarChart>
          </div>
        )}
      </div>
    </div>
  );
}

export function GateTable({ run }: { run: PipelineRun }) {
  const gates = gatesOf(run);
  if (gates.length === 0) return <p className="muted card-empty">No gates judged: the run ended before its gate step.</p>;
  return (
    <table className="data-table" data-testid="pipeline-gates">
      <thead>
        <tr>
          <th>Result</th>
          <th>Gate</th>
          <th>Numbers</th>
        </tr>
      </thead>
      <tbody>
        {gates.map((gate) => (
          <tr key={gate.name}>
            <td>
              <span className={`status ${gate.passed ? 'status-finished' : 'status-failed'}`}>{gate.passed ? 'PASS' : 'FAIL'}</span>
            </td>
            <td>{gate.name}</td>
            <td>{gate.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Champion and challenger on live traffic, from shadow rows, while this run's challenger is still the model's challenger. */
export function LiveComparison({ run }: { run: PipelineRun }) {
  const [comparison, setComparison] = useState<ShadowComparison | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    call('pipelines.shadow', { model: run.model }).then(
      (result) => live && setComparison(result.comparison),
      () => live && setComparison(null),
    );
    return () => {
      live = false;
    };
  }, [run.model, run.state]);
  if (comparison === undefined) return null;
  const percent = (value: number | null) => (value === null ? '–' : `${(value * 100).toFixed(1)}%`);
  if (!comparison || comparison.challengerVersion !== run.challengerVersion) {
    return (
      <p className="muted pipeline-live" data-testid="pipeline-live">
        Live traffic: no shadow rows for v{run.challengerVersion ?? '–'} (shadow scoring runs while a version is the model&apos;s challenger and its policy has shadow on).
      </p>
    );
  }
  return (
    <p className="pipeline-live" data-testid="pipeline-live">
      Live traffic (shadow): {comparison.rows.toLocaleString('en-US')} rows, the challenger agrees with the champion on {percent(comparison.agreement)}; on{' '}
      {comparison.labelledRows.toLocaleString('en-US')} labelled rows accuracy champion {percent(comparison.championAccuracy)}, challenger {percent(comparison.challengerAccuracy)}.
    </p>
  );
}
