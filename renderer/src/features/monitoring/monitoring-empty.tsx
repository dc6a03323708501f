import { ReferencePicker } from './monitoring-settings-panel';
import type { MonitoringOverview } from './monitoring-types';

/** What to do when there is nothing to draw yet: no version, no reference, or no predictions logged. */
export function MonitoringEmpty({ overview, onChanged }: { overview: MonitoringOverview; onChanged: () => void }) {
  const name = overview.model;
  const version = overview.version;
  if (version === null) {
    return (
      <div className="empty-state" data-testid="monitoring-empty" data-reason="no-version">
        <p className="empty-title">No versions to monitor</p>
        <p className="muted">Register a run’s model from its run page; its predictions are monitored once it serves.</p>
      </div>
    );
  }
  const reference = overview.reference;
  if (!reference || reference.status === 'failed') {
    return (
      <div className="empty-state" data-testid="monitoring-empty" data-reason="no-reference">
        <p className="empty-title">No reference for v{version}</p>
        <p className="muted">
          {reference?.error ? `Profiling ${reference.dataset} failed: ${reference.error}. ` : ''}
          Drift compares predictions with the data the version was trained on. A version trained in MLDesk gets its training dataset as reference from lineage; for one registered
          from elsewhere, name a dataset version:
        </p>
        <ReferencePicker model={name} version={version} onChanged={onChanged} />
        <p className="muted">or from the command line:</p>
        <p>
          <code>
            mldesk monitor reference {name}/{version} --dataset NAME@VERSION
          </code>
        </p>
      </div>
    );
  }
  return (
    <div className="empty-state" data-testid="monitoring-empty" data-reason="no-predictions">
      <p className="empty-title">No predictions monitored yet for v{version}</p>
      <p className="muted">
        Reference {reference.dataset} is {reference.status === 'ready' ? 'ready' : 'being profiled'}. Windows appear as predictions are logged: deploy v{version} from the Versions tab and send
        requests, or import predictions made elsewhere:
      </p>
      <p>
        <code>
          mldesk monitor import FILE --model {name}/{version}
        </code>
      </p>
    </div>
  );
}
