import type { SweepDetail } from '../../../../shared/app-api/sweeps';
import { routeHref } from '../../app/router';
import { formatMetric } from '../../components/format';
import { formatParam, StateBadge } from './sweep-badges';

/** Every trial: state (pruned with reason and step, stale), parameters, last value and step, its run. */
export function TrialsTable({ sweep }: { sweep: SweepDetail }) {
  const params = Object.keys(sweep.spec.parameters);
  return (
    <div className="table-scroll sweep-trials-scroll">
      <table className="data-table sweep-trials" data-testid="sweep-trials">
        <thead>
          <tr>
            <th className="num">#</th>
            <th>State</th>
            {params.map((param) => (
              <th key={param}>{param}</th>
            ))}
            <th className="num">{sweep.metric.name}</th>
            <th className="num">Step</th>
            <th>Why it ended</th>
            <th>Run</th>
          </tr>
        </thead>
        <tbody>
          {sweep.trials.map((trial) => (
            <tr key={trial.number} data-trial={trial.number} data-state={trial.state} className={trial.number === sweep.bestTrial ? 'best-trial' : undefined}>
              <td className="num">{trial.number}</td>
              <td>
                <StateBadge state={trial.state} />
                {trial.number === sweep.bestTrial && <span className="best-mark">best</span>}
              </td>
              {params.map((param) => (
                <td key={param} className="mono">
                  {formatParam(trial.parameters[param])}
                </td>
              ))}
              <td className="num">{trial.value === null ? '—' : formatMetric(trial.value)}</td>
              <td className="num">{trial.step ?? '—'}</td>
              <td className="trial-reason" title={trial.reason ?? undefined}>
                {trial.state === 'pruned' && trial.prunedAtStep !== null ? <strong>step {trial.prunedAtStep}: </strong> : null}
                {trial.reason ? trial.reason.replace(/^pruned at step \d+: /, '') : ''}
              </td>
              <td>{trial.runId ? <a href={routeHref({ view: 'run', runId: trial.runId })}>{trial.runId.slice(0, 8)}</a> : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The early-stopping decisions, newest first: what was compared, kept or pruned. */
export function DecisionsList({ sweep }: { sweep: SweepDetail }) {
  if (sweep.decisions.length === 0) {
    return <p className="muted">{sweep.earlyTerminate ? 'No decision yet: decisions are taken as trials report steps.' : 'This sweep has no early termination: every trial runs to its end.'}</p>;
  }
  return (
    <ol className="sweep-decisions" data-testid="sweep-decisions">
      {sweep.decisions.slice(0, 60).map((decision, index) => (
        <li key={`${decision.trial}-${decision.step}-${index}`} data-decision={decision.decision}>
          <span className={`decision-tag decision-${decision.decision}`}>{decision.decision}</span>
          <span>
            trial {decision.trial}, {decision.detail}
          </span>
        </li>
      ))}
    </ol>
  );
}
