import { useCallback, useEffect, useState } from 'react';
import type { ArtifactEntry } from '../../../../shared/app-api/entities';
import { call } from '../../api/app-client';
import { EmptyState, ErrorBanner, Spinner } from '../../components/feedback';
import { formatBytes } from '../../components/format';
import { ArtifactPreviewPane } from './artifact-preview';

interface Folder {
  loading: boolean;
  error?: string;
  entries?: ArtifactEntry[];
}

const ROOT = '';

function name(path: string): string {
  return path.split('/').pop() ?? path;
}

/** The UI's download URL of a run's artifact folder (a zip); the empty path is all of them. */
function zipUrl(runId: string, path: string): string {
  return `app-files/artifacts/${encodeURIComponent(runId)}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

function sortEntries(entries: ArtifactEntry[]): ArtifactEntry[] {
  return [...entries].sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.path.localeCompare(b.path));
}

/** The run's artifact tree (folders load when opened) beside a preview of the selected file. */
export function ArtifactsBrowser({ runId }: { runId: string }) {
  const [folders, setFolders] = useState<Record<string, Folder>>({});
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<string | null>(null);

  const load = useCallback(
    (path: string) => {
      setFolders((previous) => ({ ...previous, [path]: { ...previous[path], loading: true, error: undefined } }));
      call('artifacts.list', { runId, path: path || undefined }).then(
        ({ files }) => setFolders((previous) => ({ ...previous, [path]: { loading: false, entries: sortEntries(files) } })),
        (error: Error) => setFolders((previous) => ({ ...previous, [path]: { loading: false, error: error.message } })),
      );
    },
    [runId],
  );

  useEffect(() => {
    setFolders({});
    setOpen(new Set());
    setSelected(null);
    load(ROOT);
  }, [load]);

  const toggle = (path: string) => {
    const next = new Set(open);
    if (next.has(path)) next.delete(path);
    else {
      next.add(path);
      if (!folders[path]?.entries) load(path);
    }
    setOpen(next);
  };

  const refresh = () => {
    load(ROOT);
    for (const path of open) load(path);
  };

  const renderFolder = (path: string, depth: number) => {
    const folder = folders[path];
    if (!folder || (folder.loading && !folder.entries)) {
      return (
        <li className="tree-status" style={{ paddingLeft: 12 + depth * 16 }}>
          <Spinner label="Loading…" />
        </li>
      );
    }
    if (folder.error) {
      return (
        <li className="tree-status" style={{ paddingLeft: 12 + depth * 16 }}>
          <ErrorBanner message={folder.error} onRetry={() => load(path)} />
        </li>
      );
    }
    if (folder.entries!.length === 0 && depth > 0) {
      return (
        <li className="tree-status muted" style={{ paddingLeft: 28 + depth * 16 }}>
          Empty folder
        </li>
      );
    }
    return folder.entries!.map((entry) => (
      <li key={entry.path} role="none" className={entry.isDir ? 'tree-folder' : undefined}>
        <button
          role="treeitem"
          aria-expanded={entry.isDir ? open.has(entry.path) : undefined}
          aria-selected={selected === entry.path}
          className={`tree-row${selected === entry.path ? ' selected' : ''}`}
          style={{ paddingLeft: 10 + depth * 16 }}
          onClick={() => (entry.isDir ? toggle(entry.path) : setSelected(entry.path))}
          title={entry.path}
        >
          <span className={`tree-icon ${entry.isDir ? (open.has(entry.path) ? 'folder-open' : 'folder') : 'file'}`} aria-hidden="true" />
          <span className="tree-name">{name(entry.path)}</span>
          {!entry.isDir && <span className="tree-size">{formatBytes(entry.size)}</span>}
        </button>
        {entry.isDir && (
          <a className="tree-zip" href={zipUrl(runId, entry.path)} download title={`Download ${name(entry.path)} as a zip`} aria-label={`Download folder ${entry.path} as a zip`}>
            .zip
          </a>
        )}
        {entry.isDir && open.has(entry.path) && (
          <ul role="group" className="tree-group">
            {renderFolder(entry.path, depth + 1)}
          </ul>
        )}
      </li>
    ));
  };

  const root = folders[ROOT];
  if (root?.entries && root.entries.length === 0) {
    return (
      <EmptyState title="No artifacts logged for this run.">
        Log files with <code>mlflow.log_artifact("model.pkl")</code> or whole folders with <code>mlflow.log_artifacts("outputs/")</code>.
      </EmptyState>
    );
  }
  return (
    <div className="artifacts-browser card" data-testid="artifacts-browser">
      <div className="artifacts-tree">
        <div className="artifacts-tree-header">
          <span>Files</span>
          <span className="artifacts-tree-actions">
            <a className="btn btn-small btn-ghost" href={zipUrl(runId, '')} download title="Download every artifact of this run as one zip">
              Download all
            </a>
            <button className="btn btn-small btn-ghost" onClick={refresh} title="Reload the file list">
              Refresh
            </button>
          </span>
        </div>
        <ul role="tree" aria-label="Artifacts" className="tree">
          {renderFolder(ROOT, 0)}
        </ul>
      </div>
      <div className="artifacts-preview-pane">
        {selected ? (
          <ArtifactPreviewPane runId={runId} path={selected} />
        ) : (
          <div className="preview-placeholder muted">Select a file to preview it.</div>
        )}
      </div>
    </div>
  );
}
