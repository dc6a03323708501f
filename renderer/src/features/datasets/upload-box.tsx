import { useRef, useState, type DragEvent } from 'react';
import { routeHref } from '../../app/router';
import { formatBytes } from '../../components/format';
import { count } from './dataset-bits';
import { uploadDataset, useDatasets, type ImportResult } from './datasets-store';
import { datasetNameFromFile, fileProblem, nameProblem, readFileText, UPLOAD_EXTENSIONS, uploadErrorMessage } from './upload-file';

type Status =
  | { kind: 'idle' }
  | { kind: 'reading'; fraction: number }
  | { kind: 'uploading' }
  | { kind: 'done'; result: ImportResult }
  | { kind: 'error'; message: string };

function NameHint({ name }: { name: string }) {
  const existing = useDatasets((s) => s.datasets.find((d) => d.name === name));
  if (!name || nameProblem(name)) return null;
  return (
    <span className="muted" data-testid="upload-name-hint">
      {existing ? (
        <>
          Adds a version to <strong>{existing.name}</strong> (now v{existing.latestVersion}) if the content changed.
        </>
      ) : (
        'Creates a new dataset.'
      )}
    </span>
  );
}

function Outcome({ result }: { result: ImportResult }) {
  const { version, created } = result;
  const href = routeHref({ view: 'dataset', ref: version.ref });
  return (
    <div className={`upload-outcome ${created ? 'ok' : 'same'}`} role="status" data-testid="upload-outcome">
      <span aria-hidden="true">{created ? '✓' : '='}</span>
      <span>
        {created ? (
          <>
            Imported <strong className="mono">{version.ref}</strong>: {count.format(version.rows)} rows × {version.schema.length} columns.
          </>
        ) : (
          <>
            Nothing new: these bytes are already <strong className="mono">{version.ref}</strong>.
          </>
        )}
      </span>
      <a href={href}>Open {version.ref}</a>
    </div>
  );
}

/**
 * Upload a CSV/JSONL file from the browser: pick or drop it, adjust the dataset name, import. The
 * file is read here and its text sent with `datasets.upload`; the server hashes and profiles it.
 */
export function UploadBox({ compact }: { compact: boolean }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [dragging, setDragging] = useState(false);
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const busy = status.kind === 'reading' || status.kind === 'uploading';
  const problem = file ? fileProblem(file) : null;
  const nameError = file && !problem ? nameProblem(name) : null;

  const stage = (picked: File | undefined) => {
    if (!picked || busy) return;
    setFile(picked);
    setName(datasetNameFromFile(picked.name));
    setStatus({ kind: 'idle' });
  };

  const reset = () => {
    setFile(null);
    setName('');
    if (inputRef.current) inputRef.current.value = '';
  };

  const upload = async () => {
    if (!file || problem || nameError) return;
    setStatus({ kind: 'reading', fraction: 0 });
    try {
      const content = await readFileText(file, (fraction) => setStatus({ kind: 'reading', fraction }));
      setStatus({ kind: 'uploading' });
      const result = await uploadDataset(name.trim(), file.name, content);
      setStatus({ kind: 'done', result });
      reset();
    } catch (error) {
      setStatus({ kind: 'error', message: uploadErrorMessage((error as Error).message, file.name) });
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    stage(event.dataTransfer.files[0]);
  };

  return (
    <section data-writes
      className={`card upload-box${dragging ? ' dragging' : ''}${compact ? ' compact' : ''}`}
      data-testid="upload-box"
      aria-label="Upload a dataset"
      onDragOver={(event) => {
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={onDrop}
    >
      {!file ? (
        <div className="drop-zone">
          <span className="drop-icon" aria-hidden="true" />
          <div className="drop-text">
            <strong>{dragging ? 'Drop to import' : 'Drop a CSV or JSONL file here'}</strong>
            <span className="muted">Up to 64 MB. Columns are typed and profiled on import; the same bytes are never stored twice.</span>
          </div>
          <label className="btn">
            Choose file…
            <input
              ref={inputRef}
              type="file"
              className="visually-hidden"
              aria-label="Choose a CSV or JSONL file"
              accept={[...UPLOAD_EXTENSIONS, 'text/csv'].join(',')}
              onChange={(event) => stage(event.target.files?.[0])}
            />
          </label>
        </div>
      ) : (
        <form
          className="upload-staged"
          onSubmit={(event) => {
            event.preventDefault();
            void upload();
          }}
        >
          <div className="upload-file">
            <span className="file-icon" aria-hidden="true" />
            <span className="upload-file-name" title={file.name}>
              {file.name}
            </span>
            <span className="muted">{formatBytes(file.size)}</span>
          </div>
          {problem ? (
            <p className="field-error" role="alert">
              {problem}
            </p>
          ) : (
            <label className="upload-name">
              <span>Dataset name</span>
              <input type="text" value={name} disabled={busy} className={nameError ? 'invalid' : ''} aria-invalid={!!nameError} onChange={(event) => setName(event.target.value)} />
              {nameError ? <span className="field-error">{nameError}</span> : <NameHint name={name.trim()} />}
            </label>
          )}
          <div className="upload-actions">
            <button type="button" className="btn" disabled={busy} onClick={reset}>
              {problem ? 'Choose another file' : 'Cancel'}
            </button>
            {!problem && (
              <button type="submit" className="btn btn-primary" disabled={busy || !!nameError}>
                {busy ? 'Importing…' : 'Upload'}
              </button>
            )}
          </div>
        </form>
      )}
      {status.kind === 'reading' && <UploadProgress label={`Reading ${file?.name ?? 'file'}…`} fraction={status.fraction} />}
      {status.kind === 'uploading' && <UploadProgress label="Uploading, hashing and profiling…" fraction={null} />}
      {status.kind === 'error' && (
        <div className="error-banner upload-error" role="alert" data-testid="upload-error">
          <span>{status.message}</span>
          <button type="button" className="btn btn-small" onClick={() => setStatus({ kind: 'idle' })}>
            Dismiss
          </button>
        </div>
      )}
      {status.kind === 'done' && <Outcome result={status.result} />}
    </section>
  );
}

function UploadProgress({ label, fraction }: { label: string; fraction: number | null }) {
  return (
    <div className="upload-progress" role="status">
      <span className="spinner-dot" aria-hidden="true" />
      <span>{label}</span>
      <span className={`progress-track${fraction === null ? ' indeterminate' : ''}`} aria-hidden="true">
        <span className="progress-fill" style={{ width: `${Math.round((fraction ?? 0.35) * 100)}%` }} />
      </span>
    </div>
  );
}
