import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { ReviewImportReport } from '../../../../shared/app-api/reviews';
import { api } from '../../api/app-client';
import { REVIEWS_CHANGED } from './review-labels';
import './reviews.css';

const REVIEW_EXTENSION = '.mldesk-review';

function toBase64(bytes: ArrayBuffer): string {
  let binary = '';
  const view = new Uint8Array(bytes);
  // In chunks: String.fromCharCode with a whole file's bytes as arguments overflows the stack.
  for (let i = 0; i < view.length; i += 0x8000) binary += String.fromCharCode(...view.subarray(i, i + 0x8000));
  return btoa(binary);
}

const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;

/**
 * The author's side: drop a `.mldesk-review` file anywhere on the app (or pick one) to import it;
 * the report says what was stored, what is not in this store, and whether approvals count.
 */
export function ReviewDropZone() {
  const [dragging, setDragging] = useState(false);
  const [result, setResult] = useState<{ fileName: string; report: ReviewImportReport | null; error: string | null } | null>(null);
  const depth = useRef(0);
  const picker = useRef<HTMLInputElement>(null);
  // The picker sits in the top bar's right-hand group (found once the shell has rendered it).
  const [slot, setSlot] = useState<Element | null>(null);
  useEffect(() => setSlot(document.querySelector('.topbar-right')), []);

  useEffect(() => {
    const enter = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      depth.current += 1;
      setDragging(true);
    };
    const leave = () => {
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    };
    const over = (event: DragEvent) => {
      if (hasFiles(event)) event.preventDefault();
    };
    const drop = (event: DragEvent) => {
      depth.current = 0;
      setDragging(false);
      const file = [...(event.dataTransfer?.files ?? [])].find((f) => f.name.toLowerCase().endsWith(REVIEW_EXTENSION));
      if (!file) return;
      event.preventDefault();
      void importFile(file);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);

  async function importFile(file: File) {
    try {
      const report = await api['reviews.import']({ fileBase64: toBase64(await file.arrayBuffer()) });
      setResult({ fileName: file.name, report, error: null });
      window.dispatchEvent(new Event(REVIEWS_CHANGED));
    } catch (error) {
      setResult({ fileName: file.name, report: null, error: (error as Error).message });
    }
  }

  return (
    <>
      {slot &&
        createPortal(
          <>
            <button type="button" className="btn btn-small" onClick={() => picker.current?.click()} title={`Import a ${REVIEW_EXTENSION} file from a reviewer (or drop it anywhere on the app)`}>
              Import review
            </button>
            <input
              ref={picker}
              type="file"
              accept={REVIEW_EXTENSION}
              hidden
              data-testid="review-file-picker"
              onChange={(event) => {
                const file = event.target.files?.[0];
                event.target.value = '';
                if (file) void importFile(file);
              }}
            />
          </>,
          slot,
        )}
      {dragging && (
        <div className="review-drop-overlay" data-testid="review-drop-overlay">
          Drop a {REVIEW_EXTENSION} file to import the review
        </div>
      )}
      {result && (
        <section className="card review-import-result" data-testid="review-import-result" role="status">
          <div className="card-header">
            <span>Review {result.fileName}</span>
            <button type="button" className="btn btn-small" onClick={() => setResult(null)} aria-label="Close">
              ✕
            </button>
          </div>
          <div className="card-body">
            {result.error ? <p className="review-error">{result.error}</p> : result.report && <ImportSummary report={result.report} />}
          </div>
        </section>
      )}
    </>
  );
}

function ImportSummary({ report }: { report: ReviewImportReport }) {
  const who = report.reviewer.trusted ? `${report.reviewer.trustedName} (trusted key)` : `${report.reviewer.displayName} (not trusted)`;
  return (
    <>
      <p className="review-import-head">
        {report.alreadyImported ? 'Already imported' : 'Imported'}: {report.newComments} new comment(s) of {report.comments} by <strong>{who}</strong>.
      </p>
      <ul>
        {report.versionDecisions.map((d) => (
          <li key={`${d.name}/${d.version}`}>
            {d.decision === 'approve' ? 'Approval' : 'Changes requested'} of {d.name} v{d.version}: {d.counted ? 'counts for the champion gate' : `not counted — ${d.reason}`}
          </li>
        ))}
        {report.missing.map((m) => (
          <li key={m}>Not in this store: {m}</li>
        ))}
        {report.warnings.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </>
  );
}
