import type { ReproductionNote, ReproductionResult } from '../../../../shared/lineage';
import { routeHref } from '../../app/router';
import { Spinner } from '../../components/feedback';
import { formatDiff, formatExact, formatTolerance } from './lineage-format';

export function VerdictBadge({ reproduced, size = 'large' }: { reproduced: boolean; size?: 'large' | 'small' }) {
  return (
    <span className={`verdict-badge verdict-${reproduced ? 'ok' : 'bad'} verdict-${size}`} data-testid="verdict-badge" data-reproduced={String(reproduced)}>
      {reproduced ? 'Reproduced ✓' : 'Not reproduced ✗'}
    </span>
  );
}

export function NoteList({ notes, tone, testId }: { notes: ReproductionNote[]; tone: 'problem' | 'warning'; testId: string }) {
  return (
    <ul className={`note-list note-${tone}`} data-testid={testId}>
      {notes.map((note) => (
        <li key={`${note.code}:${note.message}`} data-code={note.code}>
          <span className="note-code">{note.code.replaceAll('_', ' ')}</span>
          <span>{note.message}</span>
        </li>
      ))}
    </ul>
  );
}

function ComparisonTable({ result }: { result: ReproductionResult }) {
  if (result.comparisons.length === 0) return <p className="muted card-empty">No final metrics to compare: the reproduction logged none.</p>;
  return (
    <div className="kv-scroll">
      <table className="data-table comparison-table" data-testid="comparison-table">
        <thead>
          <tr>
            <th>Metric</th>
            <th className="num">Original</th>
            <th className="num">Reproduced</th>
            <th className="num">Abs diff</th>
            <th className="num">Rel diff</th>
            <th className="center">Equal</th>
          </tr>
        </thead>
        <tbody>
          {result.comparisons.map((c) => (
            <tr key={c.key} className={c.equal ? 'equal' : 'differs'} data-key={c.key} data-equal={String(c.equal)}>
              <td className="mono">{c.key}</td>
              <td className="num mono">{formatExact(c.original)}</td>
              <td className="num mono">{formatExact(c.reproduced)}</td>
              <td className="num mono">{formatDiff(c.absDiff)}</td>
              <td className="num mono">{formatDiff(c.relDiff)}</td>
              <td className="center">
                <span className={`equal-mark ${c.equal ? 'yes' : 'no'}`} aria-label={c.equal ? 'equal' : 'different'}>
                  {c.equal ? '✓' : '✗'}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export interface VerdictProps {
  result: ReproductionResult | null;
  originalRunId: string;
  originalName: string | null;
  /** The reproduction is still training. */
  running: boolean;
  verdictMissing: boolean;
}

/** On a reproduction: did it reproduce the original, and metric by metric how close it came. */
export function ReproductionVerdict(props: VerdictProps) {
  const { result } = props;
  const original = (
    <a href={`${routeHref({ view: 'run', runId: props.originalRunId })}?tab=lineage`} data-testid="original-run-link">
      {props.originalName ?? props.originalRunId}
    </a>
  );
  if (!result) {
    return (
      <section className="card verdict-card pending" data-testid="reproduction-verdict" data-state={props.verdictMissing ? 'missing' : 'pending'}>
        <div className="verdict-head">
          <div className="verdict-summary">
            <span className="verdict-kicker">Reproduction of {original}</span>
            {props.verdictMissing ? (
              <p className="muted">
                No verdict was recorded: the reproduction ended without comparing its metrics (the app may have stopped while it trained). Start a new reproduction from the original.
              </p>
            ) : (
              <Spinner label={props.running ? 'Training the reproduction; the verdict follows when it ends…' : 'Comparing final metrics with the original…'} />
            )}
          </div>
        </div>
      </section>
    );
  }
  const equal = result.comparisons.filter((c) => c.equal).length;
  return (
    <section className={`card verdict-card ${result.reproduced ? 'ok' : 'bad'}`} data-testid="reproduction-verdict" data-state="done" data-reproduced={String(result.reproduced)}>
      <div className="verdict-head">
        <VerdictBadge reproduced={result.reproduced} />
        <div className="verdict-summary">
          <span className="verdict-kicker">Reproduction of {original}</span>
          <span>
            <strong>
              {equal} of {result.comparisons.length}
            </strong>{' '}
            final metrics equal · tolerance <span className="mono">{formatTolerance(result.tolerance)}</span> · ended{' '}
            <span className={`status status-${result.status.toLowerCase()}`}>{result.status}</span>
          </span>
        </div>
      </div>
      {result.error && (
        <div className="error-banner verdict-error" role="alert">
          <span>The reproduction failed: {result.error}</span>
        </div>
      )}
      {result.warnings.length > 0 && (
        <div className="verdict-notes">
          <span className="note-heading">Differences noted before it started</span>
          <NoteList notes={result.warnings} tone="warning" testId="verdict-warnings" />
        </div>
      )}
      <ComparisonTable result={result} />
    </section>
  );
}
