import type { RunDetail } from '../../../../shared/app-api/entities';
import { ErrorBanner, Spinner } from '../../components/feedback';
import { LineageDetails } from './lineage-details';
import { NoLineage } from './lineage-empty';
import { LineageGraphView, LineageLegend } from './lineage-graph';
import { ReproductionVerdict } from './reproduction-verdict';
import { ReproductionsList } from './reproductions-list';
import type { RunLineageState } from './use-run-lineage';

/** The verdict card of a reproduction, fed from the page's lineage state (Overview and Lineage show it). */
export function VerdictFor({ run, state }: { run: RunDetail; state: RunLineageState }) {
  if (!state.reproductionOf) return null;
  const original = state.answer?.graph.nodes.find((n) => n.id === `run:${state.reproductionOf}`);
  return (
    <ReproductionVerdict
      result={state.answer?.reproduction ?? null}
      originalRunId={state.reproductionOf}
      originalName={original?.label ?? null}
      running={run.status === 'RUNNING' || run.status === 'SCHEDULED'}
      verdictMissing={state.verdictMissing}
    />
  );
}

/** Where the run came from (graph and recorded facts), and how reproductions of it turned out. */
export function LineageTab({ run, state, trainingHere }: { run: RunDetail; state: RunLineageState; trainingHere: boolean }) {
  if (!state.answer) {
    return state.error ? <ErrorBanner message={`Could not load the lineage: ${state.error}`} onRetry={state.refresh} /> : <Spinner label="Loading lineage…" />;
  }
  const { lineage, graph } = state.answer;
  if (!lineage) {
    // A run this app just started records its lineage a moment after it appears.
    if (trainingHere && run.status === 'RUNNING') return <Spinner label="Recording lineage as training starts…" />;
    return <NoLineage run={run} />;
  }
  return (
    <div className="lineage-tab" data-testid="lineage-tab">
      {state.error && <ErrorBanner message={`Could not refresh the lineage: ${state.error}`} onRetry={state.refresh} />}
      <VerdictFor run={run} state={state} />
      <section className="card">
        <div className="card-header">
          <span>Lineage graph</span>
          <LineageLegend />
        </div>
        <div className="card-body lineage-graph-body">
          <LineageGraphView graph={graph} runId={run.runId} />
        </div>
      </section>
      <ReproductionsList graph={graph} runId={run.runId} onRunsChanged={state.refresh} />
      <LineageDetails lineage={lineage} />
      <LineageTags run={run} />
    </div>
  );
}

/** The `mldesk.lineage.*` tags this tab is read from, kept off the Overview's tag list. */
function LineageTags({ run }: { run: RunDetail }) {
  const tags = Object.entries(run.tags)
    .filter(([key]) => key.startsWith('mldesk.lineage.'))
    .sort(([a], [b]) => a.localeCompare(b));
  if (tags.length === 0) return null;
  return (
    <details className="card lineage-tags" data-testid="lineage-tags">
      <summary className="card-header">
        <span>
          Recorded as run tags <span className="count">{tags.length}</span>
        </span>
      </summary>
      <table className="data-table">
        <tbody>
          {tags.map(([key, value]) => (
            <tr key={key}>
              <td className="mono">{key}</td>
              <td className="mono lineage-tag-value" title={value}>
                {value}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
