import { useEffect, useId, useRef, useState } from 'react';
import type { BundleExportEvent } from '../../../../shared/app-api/bundles';
import { call, onAppEvent } from '../../api/app-client';
import { Icon } from './icons';

const number = new Intl.NumberFormat();
const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;

/** Saves the finished bundle: a plain link the browser downloads (the server keeps it 30 minutes). */
function download(url: string, fileName: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
}

type State = { step: 'options' } | { step: 'running'; exportId: string | null; event: BundleExportEvent | null } | { step: 'failed'; message: string };

/**
 * "Export bundle…": the selected runs as a signed `.mldesk` file for a reviewer, with the dataset
 * bytes and anonymisation as options, and a progress bar fed by `bundles.exportProgress` events.
 */
function ExportBundleDialog(props: { experimentId: string; runIds: string[]; onClose: () => void }) {
  const [withData, setWithData] = useState(false);
  const [anonymize, setAnonymize] = useState(false);
  const [state, setState] = useState<State>({ step: 'options' });
  const titleId = useId();
  const seen = useRef(new Map<string, BundleExportEvent>());
  const running = state.step === 'running' && state.event?.phase !== 'done';

  useEffect(() => {
    // Subscribed before the export starts: its first events may arrive before its id does.
    return onAppEvent(
      (event) => {
        if (event.type !== 'bundles.exportProgress') return;
        seen.current.set(event.payload.exportId, event.payload);
        setState((current) => (current.step === 'running' && current.exportId === event.payload.exportId ? { ...current, event: event.payload } : current));
      },
      ['bundles.exportProgress'],
    );
  }, []);
  useEffect(() => {
    if (state.step === 'running' && state.event?.phase === 'done' && state.event.downloadUrl && state.event.fileName) download(state.event.downloadUrl, state.event.fileName);
    if (state.step === 'running' && state.event?.phase === 'failed') setState({ step: 'failed', message: state.event.message });
  }, [state]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !running) props.onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [running, props]);

  const start = async () => {
    setState({ step: 'running', exportId: null, event: null });
    try {
      const { exportId } = await call('bundles.export', { experimentId: props.experimentId, runIds: props.runIds, withData, anonymize });
      setState({ step: 'running', exportId, event: seen.current.get(exportId) ?? null });
    } catch (error) {
      setState({ step: 'failed', message: (error as Error).message });
    }
  };

  const event = state.step === 'running' ? state.event : null;
  const percent = event && event.totalBytes > 0 ? Math.min(100, Math.round((event.doneBytes / event.totalBytes) * 100)) : 0;
  const done = event?.phase === 'done';
  return (
    <div className="modal-backdrop" onClick={() => !running && props.onClose()}>
      <div className="modal bundle-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid="export-bundle-dialog" onClick={(e) => e.stopPropagation()}>
        <h2 id={titleId}>Export bundle</h2>
        <p className="modal-body">
          {number.format(props.runIds.length)} {props.runIds.length === 1 ? 'run' : 'runs'} with params, full metric histories, tags, notes, artifacts, lineage and the model versions
          registered from them, in one signed <code>.mldesk</code> file a reviewer can open offline.
        </p>
        <fieldset className="bundle-options" disabled={state.step === 'running'}>
          <label>
            <input type="checkbox" checked={withData} onChange={(e) => setWithData(e.target.checked)} /> Include the dataset files the runs trained on
          </label>
          <label>
            <input type="checkbox" checked={anonymize} onChange={(e) => setAnonymize(e.target.checked)} /> Anonymise user names, host names and file paths
          </label>
        </fieldset>
        {state.step === 'running' && (
          <div className="bundle-progress" data-testid="bundle-progress">
            <div className="bundle-progress-track" role="progressbar" aria-label="Export progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={done ? 100 : percent}>
              <div className="bundle-progress-fill" style={{ width: `${done ? 100 : percent}%` }} />
            </div>
            <div className="bundle-progress-text">
              {done ? (
                <span data-testid="bundle-done">
                  Saved {event?.fileName} ({mb(event?.doneBytes ?? 0)}).{' '}
                  <a href={event?.downloadUrl ?? '#'} download={event?.fileName ?? undefined}>
                    Download again
                  </a>
                </span>
              ) : event ? (
                `${event.phase === 'store' ? 'Copying runs from the store' : event.phase === 'report' ? 'Writing the report' : `${percent}% · ${mb(event.doneBytes)} of ${mb(event.totalBytes)}`}`
              ) : (
                'Starting…'
              )}
            </div>
          </div>
        )}
        {state.step === 'failed' && (
          <div role="alert" className="error-banner" data-testid="dialog-error">
            {state.message}
          </div>
        )}
        <div className="modal-actions">
          <button type="button" className="btn" onClick={props.onClose} disabled={running}>
            {done ? 'Close' : 'Cancel'}
          </button>
          {!done && (
            <button type="button" className="btn btn-primary" disabled={running} onClick={() => void start()}>
              {running ? 'Exporting…' : 'Export'}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

/** The toolbar's "Export bundle…" for the selected runs. */
export function ExportBundleButton(props: { experimentId: string | null; count: number; resolveRunIds: () => Promise<string[]> }) {
  const [runIds, setRunIds] = useState<string[] | null>(null);
  const disabled = props.experimentId === null || props.count === 0;
  return (
    <>
      <button
        type="button"
        className="btn"
        disabled={disabled}
        title={disabled ? 'Select the runs to put in a bundle' : `Export the ${number.format(props.count)} selected runs as a signed bundle for review`}
        onClick={() => void props.resolveRunIds().then(setRunIds)}
      >
        <Icon name="download" />
        Export bundle…
      </button>
      {runIds && props.experimentId && <ExportBundleDialog experimentId={props.experimentId} runIds={runIds} onClose={() => setRunIds(null)} />}
    </>
  );
}
