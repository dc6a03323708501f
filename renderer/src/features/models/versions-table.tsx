import type { ModelVersionInfo } from '../../../../shared/app-api/models';
import { routeHref } from '../../app/router';
import { formatMetric, formatRelative, formatTime } from '../../components/format';
import { AliasBadge, ApprovalBadge, CountedTitle } from './model-badges';
import { lowerIsBetter } from './model-metrics';

function DatasetLinks({ version }: { version: ModelVersionInfo }) {
  if (version.datasets.length === 0) return <span className="muted">—</span>;
  return (
    <>
      {version.datasets.map((d) =>
        d.version !== null ? (
          <a key={d.ref} className="mono dataset-ref" href={routeHref({ view: 'dataset', ref: d.ref })}>
            {d.ref}
          </a>
        ) : (
          <span key={d.ref} className="mono dataset-ref">
            {d.ref}
          </span>
        ),
      )}
    </>
  );
}

/** Every version, newest first; a row selects the version (its lineage and reviews show beside). */
export function VersionsTable({ versions, metricKeys, selected, onSelect }: { versions: ModelVersionInfo[]; metricKeys: string[]; selected: string | null; onSelect: (version: string) => void }) {
  // Stages are MLflow's older workflow (aliases replace them): the column shows only once one is used.
  const showStage = versions.some((v) => v.stage !== 'None');
  return (
    <section className="card">
      <div className="card-header">
        <CountedTitle title="Versions" count={versions.length} />
        <span className="muted">Select a version for its lineage, reviews and actions.</span>
      </div>
      <div className="table-scroll versions-scroll">
        <table className="data-table versions-table" data-testid="versions-table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Created</th>
              <th>Run</th>
              <th>Dataset</th>
              {metricKeys.map((key) => (
                <th key={key} className="num" title={lowerIsBetter(key) ? 'Lower is better' : 'Higher is better'}>
                  {key}
                </th>
              ))}
              {showStage && <th>Stage</th>}
              <th>Aliases</th>
              <th>Approval</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr
                key={v.version}
                className={`clickable${v.version === selected ? ' selected' : ''}`}
                aria-selected={v.version === selected}
                data-testid="version-row"
                data-version={v.version}
                onClick={(event) => (event.target as HTMLElement).closest('a') === null && onSelect(v.version)}
              >
                <td>
                  <button type="button" className="link-button version-select" onClick={() => onSelect(v.version)}>
                    v{v.version}
                  </button>
                </td>
                <td title={formatTime(v.createdTime)}>{formatRelative(v.createdTime)}</td>
                <td className="run-cell">
                  {v.run ? (
                    <a href={routeHref({ view: 'run', runId: v.run.runId })} title={v.run.runName ? `${v.run.runName} (${v.run.runId})` : v.run.runId}>
                      {v.run.runName || v.run.runId.slice(0, 8)}
                    </a>
                  ) : (
                    <span className="muted">no run</span>
                  )}
                </td>
                <td>
                  <DatasetLinks version={v} />
                </td>
                {metricKeys.map((key) => (
                  <td key={key} className="num">
                    {v.metrics[key] === undefined ? <span className="muted">—</span> : formatMetric(v.metrics[key])}
                  </td>
                ))}
                {showStage && <td className={v.stage === 'None' ? 'muted' : ''}>{v.stage}</td>}
                <td>
                  <span className="alias-list">
                    {v.aliases.map((a) => (
                      <AliasBadge key={a} alias={a} />
                    ))}
                  </span>
                </td>
                <td>
                  <ApprovalBadge state={v.approval} compact />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
