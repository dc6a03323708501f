import { Fragment, useMemo, useState } from 'react';
import { exportUrl } from '../../../../shared/app-api/export-url';
import { routeHref } from '../../app/router';
import { formatDuration, formatMetric, formatTime } from '../../components/format';
import { useCompareUi } from './compare-store';
import type { ComparedRun } from './compared-run';
import { unionKeys, valuesDiffer } from './compare-values';

interface Row {
  label: string;
  /** Display text per run; undefined where the run has no value. */
  values: Array<string | undefined>;
  differs: boolean;
}

interface Group {
  title: string;
  rows: Row[];
}

function row(label: string, values: Array<string | undefined>): Row {
  return { label, values, differs: valuesDiffer(values) };
}

/** Params and latest metrics side by side, one column per run; rows whose values differ are marked. */
export function CompareTable({ runs }: { runs: ComparedRun[] }) {
  const onlyDifferences = useCompareUi((s) => s.onlyDifferences);
  const highlighted = useCompareUi((s) => s.highlighted);
  const set = useCompareUi((s) => s.set);
  const [filter, setFilter] = useState('');

  const groups: Group[] = useMemo(() => {
    const params = unionKeys(runs.map((r) => r.run.params));
    const metrics = unionKeys(runs.map((r) => r.run.metrics));
    return [
      {
        title: 'Run',
        rows: [
          row('Status', runs.map((r) => r.run.status)),
          row('Started', runs.map((r) => formatTime(r.run.startTime))),
          row('Duration', runs.map((r) => formatDuration(r.run.startTime, r.run.endTime))),
          row('User', runs.map((r) => r.run.userId || undefined)),
        ],
      },
      { title: 'Parameters', rows: params.map((key) => row(key, runs.map((r) => r.run.params[key]))) },
      { title: 'Metrics (latest)', rows: metrics.map((key) => row(key, runs.map((r) => (r.run.metrics[key] === undefined ? undefined : formatMetric(r.run.metrics[key]))))) },
    ];
  }, [runs]);

  const q = filter.trim().toLowerCase();
  const paramGroup = groups[1]!;
  const differing = paramGroup.rows.filter((r) => r.differs).length;

  return (
    <section className="card compare-section" aria-labelledby="compare-table-title">
      <div className="card-header">
        <span id="compare-table-title">
          Parameters and metrics
          <span className="muted header-note">
            {differing} of {paramGroup.rows.length} parameters differ
          </span>
        </span>
        <span className="table-tools">
          <input type="search" aria-label="Filter rows" placeholder="Filter rows…" value={filter} onChange={(event) => setFilter(event.target.value)} />
          <label className="toggle">
            <input type="checkbox" checked={onlyDifferences} onChange={(event) => set({ onlyDifferences: event.target.checked })} />
            <span>Show only differences</span>
          </label>
          <a className="btn btn-small" href={exportUrl('compare', { runIds: runs.map((r) => r.run.runId) })} download title="Download every row of this table (all parameters and latest metrics) as CSV">
            Export CSV
          </a>
        </span>
      </div>
      <div className="compare-table-scroll">
        <table className="compare-table" data-testid="compare-table">
          <thead>
            <tr>
              <th className="row-label" scope="col">
                <span className="visually-hidden">Field</span>
              </th>
              {runs.map(({ run, name, color }) => (
                <th
                  key={run.runId}
                  scope="col"
                  className={highlighted === run.runId ? 'highlighted' : ''}
                  style={{ borderTopColor: color }}
                  onMouseEnter={() => set({ highlighted: run.runId })}
                  onMouseLeave={() => set({ highlighted: null })}
                >
                  <span className="swatch" style={{ background: color }} />
                  <a href={routeHref({ view: 'run', runId: run.runId })}>{name}</a>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {groups.map((group) => {
              const rows = group.rows.filter((r) => (!onlyDifferences || r.differs) && (!q || r.label.toLowerCase().includes(q)));
              return (
                <Fragment key={group.title}>
                  <tr className="group-row">
                    <th colSpan={runs.length + 1} scope="rowgroup">
                      {group.title} <span className="count">{group.rows.length}</span>
                    </th>
                  </tr>
                  {rows.length === 0 && (
                    <tr className="empty-row">
                      <td colSpan={runs.length + 1} className="muted">
                        {group.rows.length === 0 ? 'None logged.' : onlyDifferences ? 'All the same in every run.' : 'No row matches the filter.'}
                      </td>
                    </tr>
                  )}
                  {rows.map((r) => (
                    <tr key={r.label} className={r.differs ? 'differs' : ''} data-differs={r.differs}>
                      <th scope="row" className="row-label mono" title={r.label}>
                        {r.label}
                      </th>
                      {r.values.map((value, index) => (
                        <td key={runs[index]!.run.runId} className={`mono${value === undefined ? ' missing' : ''}${highlighted === runs[index]!.run.runId ? ' highlighted' : ''}`}>
                          {value ?? '—'}
                        </td>
                      ))}
                    </tr>
                  ))}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
