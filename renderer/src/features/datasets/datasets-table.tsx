import { useState } from 'react';
import type { DatasetSummary } from '../../../../shared/datasets';
import { navigate, routeHref } from '../../app/router';
import { formatBytes, formatRelative, formatTime } from '../../components/format';
import { ShowMore } from '../../components/feedback';
import { count, shortSha } from './dataset-bits';

/** Rows shown before "Show all": the list is a page of a few dozen at most in practice, but need not be. */
const PAGE = 100;

/** Every dataset with its latest version; a row opens the dataset. */
export function DatasetsTable({ datasets }: { datasets: DatasetSummary[] }) {
  const [filter, setFilter] = useState('');
  const [limit, setLimit] = useState(PAGE);
  const needle = filter.trim().toLowerCase();
  const matching = needle ? datasets.filter((d) => d.name.toLowerCase().includes(needle)) : datasets;
  const shown = matching.slice(0, limit);
  return (
    <section className="card datasets-card">
      <div className="card-header">
        <span>
          Datasets <span className="count">{datasets.length}</span>
        </span>
        {datasets.length > 5 && (
          <input type="search" className="table-filter" aria-label="Filter datasets" placeholder="Filter by name…" value={filter} onChange={(event) => setFilter(event.target.value)} />
        )}
      </div>
      <div className="table-scroll">
        <table className="data-table datasets-table" data-testid="datasets-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Latest</th>
              <th className="num">Rows</th>
              <th className="num">Columns</th>
              <th className="num">Size</th>
              <th className="num">Versions</th>
              <th>SHA-256</th>
              <th>Last import</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((d) => {
              const href = routeHref({ view: 'dataset', ref: d.name });
              return (
                <tr key={d.name} className="clickable" data-testid="dataset-row" data-name={d.name} onClick={(event) => (event.target as HTMLElement).closest('a') === null && navigate({ view: 'dataset', ref: d.name })}>
                  <td>
                    <a href={href} className="dataset-link">
                      {d.name}
                    </a>
                  </td>
                  <td>
                    <span className="version-chip">v{d.latestVersion}</span>
                  </td>
                  <td className="num">{count.format(d.latestRows)}</td>
                  <td className="num">{count.format(d.latestColumns)}</td>
                  <td className="num">{formatBytes(d.latestBytes)}</td>
                  <td className="num">{d.versionCount}</td>
                  <td className="mono muted" title={d.latestSha256}>
                    {shortSha(d.latestSha256)}
                  </td>
                  <td title={formatTime(d.updatedTime)}>{formatRelative(d.updatedTime)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {matching.length === 0 && <p className="muted card-empty">No dataset name contains “{filter}”.</p>}
        {matching.length > shown.length && (
          <ShowMore onMore={() => setLimit((l) => l + PAGE)}>Show {Math.min(PAGE, matching.length - shown.length)} more of {matching.length - shown.length}</ShowMore>
        )}
      </div>
    </section>
  );
}
