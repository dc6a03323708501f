import { useEffect, useMemo, useState } from 'react';
import type { LineageGraph, ReproductionResult } from '../../../../shared/lineage';
import { call } from '../../api/app-client';
import { routeHref } from '../../app/router';
import { useLiveRuns, useThrottled } from '../../components/charts/live-refresh';
import { formatTolerance, reproductionsOf, type Reproduction } from './lineage-format';
import { VerdictBadge } from './reproduction-verdict';

type Verdicts = Record<string, ReproductionResult | null | 'error'>;

const ENDED = new Set(['FINISHED', 'FAILED', 'KILLED']);
/** A verdict is written just after its run's last status event: look again a few times. */
const RETRY_MS = 1000;
const RETRIES = 20;

/** Each reproduction's verdict (its reproduction.json), reloaded as those runs change. */
function useVerdicts(reproductions: Reproduction[], onRunsChanged: () => void): Verdicts {
  const [verdicts, setVerdicts] = useState<Verdicts>({});
  const [token, setToken] = useState(0);
  const [retries, setRetries] = useState(0);
  const changed = useThrottled(() => {
    setToken((n) => n + 1);
    onRunsChanged();
  }, 1000);
  useLiveRuns(
    reproductions.map((r) => r.runId),
    (batch) => batch.changed.size > 0 && changed(),
  );
  const key = reproductions.map((r) => r.runId).join(',');
  useEffect(() => {
    let alive = true;
    for (const runId of key.split(',').filter(Boolean)) {
      call('runs.lineage', { runId }).then(
        ({ reproduction }) => alive && setVerdicts((v) => ({ ...v, [runId]: reproduction })),
        () => alive && setVerdicts((v) => ({ ...v, [runId]: 'error' })),
      );
    }
    return () => {
      alive = false;
    };
  }, [key, token]);
  const waiting = reproductions.some((r) => r.status !== null && ENDED.has(r.status) && verdicts[r.runId] === null);
  useEffect(() => {
    if (!waiting || retries >= RETRIES) return;
    const timer = window.setTimeout(() => {
      setRetries((n) => n + 1);
      setToken((n) => n + 1);
    }, RETRY_MS);
    return () => window.clearTimeout(timer);
  }, [waiting, retries]);
  return verdicts;
}

function VerdictCell({ verdict, status }: { verdict: ReproductionResult | null | 'error' | undefined; status: string | null }) {
  if (verdict === undefined) return <span className="muted">Loading…</span>;
  if (verdict === 'error') return <span className="muted">Verdict unavailable</span>;
  if (verdict === null) return <span className="muted">{status === 'RUNNING' || status === 'SCHEDULED' ? 'Training…' : 'No verdict recorded'}</span>;
  return <VerdictBadge reproduced={verdict.reproduced} size="small" />;
}

/** On an original: every reproduction of it and what each concluded. */
export function ReproductionsList({ graph, runId, onRunsChanged }: { graph: LineageGraph; runId: string; onRunsChanged(): void }) {
  const reproductions = useMemo(() => reproductionsOf(graph, runId), [graph, runId]);
  const verdicts = useVerdicts(reproductions, onRunsChanged);
  if (reproductions.length === 0) return null;
  return (
    <section className="card" data-testid="reproductions-list">
      <div className="card-header">
        <span>
          Reproductions <span className="count">{reproductions.length}</span>
        </span>
        <span className="muted">runs retrained from this run's lineage</span>
      </div>
      <table className="data-table">
        <thead>
          <tr>
            <th>Run</th>
            <th>Status</th>
            <th>Verdict</th>
            <th className="num">Metrics equal</th>
            <th>Tolerance</th>
          </tr>
        </thead>
        <tbody>
          {reproductions.map((r) => {
            const verdict = verdicts[r.runId];
            const result = verdict && verdict !== 'error' ? verdict : null;
            return (
              <tr key={r.runId} data-testid="reproduction-row" data-run-id={r.runId}>
                <td>
                  <a href={routeHref({ view: 'run', runId: r.runId })}>{r.name}</a>
                </td>
                <td>{r.status ? <span className={`status status-${r.status.toLowerCase()}`}>{r.status}</span> : <span className="muted">—</span>}</td>
                <td>
                  <VerdictCell verdict={verdict} status={r.status} />
                </td>
                <td className="num mono">{result ? `${result.comparisons.filter((c) => c.equal).length} / ${result.comparisons.length}` : '—'}</td>
                <td className="mono">{result ? formatTolerance(result.tolerance) : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
