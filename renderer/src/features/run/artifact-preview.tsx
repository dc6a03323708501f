import { useEffect, useMemo, useState } from 'react';
import type { ArtifactPreview } from '../../../../shared/app-api/entities';
import { call } from '../../api/app-client';
import { ErrorBanner, Spinner } from '../../components/feedback';
import { formatBytes } from '../../components/format';
import { parseDelimited } from './csv-table';
import { CommentButton } from '../reviews/comment-button';

const CSV_ROWS = 200;

function TextPreview({ text }: { text: string }) {
  return <pre className="preview-text">{text}</pre>;
}

function JsonPreview({ preview }: { preview: ArtifactPreview }) {
  const pretty = useMemo(() => {
    try {
      return JSON.stringify(JSON.parse(preview.text ?? ''), null, 2);
    } catch {
      return null;
    }
  }, [preview.text]);
  if (pretty === null) {
    return (
      <>
        <p className="preview-note">{preview.truncated ? 'The preview was cut before the end of the JSON, so it is shown as text.' : 'This file is not valid JSON; shown as text.'}</p>
        <TextPreview text={preview.text ?? ''} />
      </>
    );
  }
  return <pre className="preview-text preview-json">{pretty}</pre>;
}

function CsvPreview({ preview }: { preview: ArtifactPreview }) {
  const { rows, complete } = useMemo(() => {
    let text = preview.text ?? '';
    // A cut preview ends mid-row: drop the partial last line rather than show half a record.
    if (preview.truncated) text = text.slice(0, text.lastIndexOf('\n') + 1);
    return parseDelimited(text, preview.path.toLowerCase().endsWith('.tsv') ? '\t' : ',', CSV_ROWS + 1);
  }, [preview.text, preview.truncated, preview.path]);
  const [header = [], ...body] = rows;
  const width = Math.max(header.length, ...body.map((r) => r.length));
  return (
    <>
      <p className="preview-note muted">
        {body.length.toLocaleString('en-US')} row{body.length === 1 ? '' : 's'} × {width} column{width === 1 ? '' : 's'}
        {!complete || preview.truncated ? ` shown (first ${body.length.toLocaleString('en-US')} rows)` : ''}
      </p>
      <div className="preview-table-scroll">
        <table className="data-table preview-csv">
          <thead>
            <tr>
              <th className="row-number">#</th>
              {Array.from({ length: width }, (_, i) => (
                <th key={i}>{header[i] ?? ''}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {body.map((row, r) => (
              <tr key={r}>
                <td className="row-number">{r + 1}</td>
                {Array.from({ length: width }, (_, i) => (
                  <td key={i} className="mono">
                    {row[i] ?? ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function ImagePreview({ preview }: { preview: ArtifactPreview }) {
  const [size, setSize] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  if (failed) return <ErrorBanner message="The image could not be decoded." />;
  return (
    <figure className="preview-image">
      <img
        src={preview.url}
        alt={preview.path}
        onLoad={(event) => setSize(`${event.currentTarget.naturalWidth} × ${event.currentTarget.naturalHeight} px`)}
        onError={() => setFailed(true)}
      />
      {size && <figcaption className="muted">{size}</figcaption>}
    </figure>
  );
}

function BinaryPreview({ preview }: { preview: ArtifactPreview }) {
  return (
    <div className="preview-binary">
      <p>
        <strong>{preview.path.split('/').pop()}</strong> is a binary file ({formatBytes(preview.size)}); it cannot be shown here.
      </p>
      <a className="btn btn-primary" href={preview.url} download>
        Download
      </a>
    </div>
  );
}

/** Loads and shows one artifact file by kind: text, JSON, CSV, image or binary. */
export function ArtifactPreviewPane({ runId, path }: { runId: string; path: string }) {
  const [state, setState] = useState<{ path: string; preview?: ArtifactPreview; error?: string } | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let active = true;
    setState(null);
    call('artifacts.preview', { runId, path }).then(
      (preview) => active && setState({ path, preview }),
      (error: Error) => active && setState({ path, error: error.message }),
    );
    return () => {
      active = false;
    };
  }, [runId, path, attempt]);

  const preview = state?.preview;
  return (
    <div className="artifact-preview" data-testid="artifact-preview" data-kind={preview?.kind ?? ''}>
      <div className="preview-header">
        <span className="mono preview-path" title={path}>
          {path}
        </span>
        {preview && <span className="muted">{formatBytes(preview.size)}</span>}
        {preview?.truncated && (
          <span className="pill pill-warn" title="Only the first 256 KB are shown">
            truncated
          </span>
        )}
        {preview && (
          <a className="btn btn-small preview-download" href={preview.url} download={path.split('/').pop()}>
            Download
          </a>
        )}
        <CommentButton request={{ kind: 'artifact', runId, path }} label={`Comment on the artifact ${path}`} />
      </div>
      <div className="preview-body">
        {!state ? (
          <Spinner label="Loading preview…" />
        ) : state.error ? (
          <ErrorBanner message={state.error} onRetry={() => setAttempt((n) => n + 1)} />
        ) : preview!.kind === 'json' ? (
          <JsonPreview preview={preview!} />
        ) : preview!.kind === 'csv' ? (
          <CsvPreview preview={preview!} />
        ) : preview!.kind === 'image' ? (
          <ImagePreview preview={preview!} />
        ) : preview!.kind === 'binary' ? (
          <BinaryPreview preview={preview!} />
        ) : (
          <TextPreview text={preview!.text ?? ''} />
        )}
        {preview?.truncated && (
          <p className="preview-note">
            Showing the first 256 KB of {formatBytes(preview.size)}. Download the file to see all of it.
          </p>
        )}
      </div>
    </div>
  );
}
