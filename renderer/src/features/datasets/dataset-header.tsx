import type { DatasetVersion } from '../../../../shared/datasets';
import { navigate, routeHref } from '../../app/router';
import { formatBytes, formatTime } from '../../components/format';
import { count, CopyText, shortSha } from './dataset-bits';

function versionLabel(v: DatasetVersion, latest: number): string {
  const when = new Date(v.createdTime).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return `v${v.version}${v.version === latest ? ' (latest)' : ''} · ${shortSha(v.sha256).slice(0, 8)} · ${count.format(v.rows)} rows · ${when}`;
}

/** All versions, newest first; picking one moves the address to `name@version`. */
export function VersionPicker({ versions, selected }: { versions: DatasetVersion[]; selected: DatasetVersion }) {
  const latest = Math.max(...versions.map((v) => v.version));
  const newestFirst = [...versions].sort((a, b) => b.version - a.version);
  return (
    <label className="version-picker">
      <span className="visually-hidden">Version</span>
      <select
        className="input"
        aria-label="Version"
        value={selected.version}
        onChange={(event) => navigate({ view: 'dataset', ref: `${selected.name}@${event.target.value}` })}
      >
        {newestFirst.map((v) => (
          <option key={v.version} value={v.version}>
            {versionLabel(v, latest)}
          </option>
        ))}
      </select>
    </label>
  );
}

export function DatasetHeader({ versions, selected }: { versions: DatasetVersion[]; selected: DatasetVersion }) {
  const latest = Math.max(...versions.map((v) => v.version));
  return (
    <header className="dataset-header">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <a href={routeHref({ view: 'datasets' })}>Datasets</a>
        <span aria-hidden="true">/</span>
        <span>{selected.name}</span>
      </nav>
      <div className="dataset-title-row">
        <h1 className="dataset-title">{selected.name}</h1>
        <VersionPicker versions={versions} selected={selected} />
        {selected.version !== latest && (
          <a className="pill pill-warn" href={routeHref({ view: 'dataset', ref: `${selected.name}@${latest}` })} title="Open the latest version">
            Not the latest: v{latest} exists
          </a>
        )}
        <a data-writes className="btn btn-primary dataset-train" href={routeHref({ view: 'new-run', dataset: selected.ref })}>
          Train a model on this dataset
        </a>
      </div>
      <dl className="dataset-meta">
        <div>
          <dt>Reference</dt>
          <dd>
            <CopyText text={selected.ref} label="reference" />
          </dd>
        </div>
        <div>
          <dt>SHA-256</dt>
          <dd data-testid="dataset-sha">
            <CopyText text={selected.sha256} shown={`${selected.sha256.slice(0, 16)}…`} label="SHA-256" />
          </dd>
        </div>
        <div>
          <dt>Rows × columns</dt>
          <dd>
            {count.format(selected.rows)} × {selected.schema.length}
          </dd>
        </div>
        <div>
          <dt>Format</dt>
          <dd>{selected.format.toUpperCase()}</dd>
        </div>
        <div>
          <dt>Size</dt>
          <dd>{formatBytes(selected.bytes)}</dd>
        </div>
        <div>
          <dt>Original file</dt>
          <dd className="mono">{selected.originalFileName}</dd>
        </div>
        <div>
          <dt>Imported</dt>
          <dd>{formatTime(selected.createdTime)}</dd>
        </div>
      </dl>
    </header>
  );
}
