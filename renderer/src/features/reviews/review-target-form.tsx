import { useEffect, useRef, useState } from 'react';
import type { BundleMeta } from '../../../../shared/bundles';
import type { ReviewTargetInput } from '../../../../shared/reviews';
import { api } from '../../api/app-client';
import type { Route } from '../../app/router';
import type { CommentRequest } from './comment-button';

type Kind = ReviewTargetInput['kind'];

/** The selected version of a model page lives in the hash's query (`?version=3`). */
const hashVersion = () => new URLSearchParams(window.location.hash.split('?')[1] ?? '').get('version');

/**
 * What to comment on, prefilled from the page the reviewer is on: the run of a run page (its
 * metrics offered), the selected version of a model page. The server checks the target exists in
 * the bundle.
 */
export function ReviewTargetForm({
  route,
  meta,
  busy,
  request,
  onAdd,
}: {
  route: Route;
  meta: BundleMeta;
  busy: boolean;
  /** The last Comment button pressed on a page: the form turns to it. */
  request: CommentRequest | null;
  onAdd: (target: ReviewTargetInput, text: string) => Promise<boolean>;
}) {
  const pageRun = route.view === 'run' ? route.runId : null;
  const pageModel = route.view === 'model' ? route.name : null;
  const [kind, setKind] = useState<Kind>(pageModel ? 'version' : 'run');
  const [runId, setRunId] = useState(pageRun ?? meta.runs[0]?.runId ?? '');
  const [metricKeys, setMetricKeys] = useState<string[]>([]);
  const [metricKey, setMetricKey] = useState('');
  const [step, setStep] = useState('');
  const [path, setPath] = useState('');
  const [versionRef, setVersionRef] = useState('');
  const [text, setText] = useState('');
  const textBox = useRef<HTMLTextAreaElement>(null);

  // Following the page: another run or model page retargets the form.
  useEffect(() => {
    if (pageRun) {
      setRunId(pageRun);
      setKind((k) => (k === 'version' ? 'run' : k));
    }
    if (pageModel) {
      setKind('version');
      const version = meta.modelVersions.find((v) => v.name === pageModel && v.version === hashVersion()) ?? meta.modelVersions.find((v) => v.name === pageModel);
      if (version) setVersionRef(`${version.name}/${version.version}`);
    }
  }, [pageRun, pageModel, meta]);

  useEffect(() => {
    if (!request) return;
    setKind(request.kind);
    setRunId(request.runId);
    if (request.kind === 'metric') {
      setMetricKey(request.key);
      setStep('');
    } else setPath(request.path);
    textBox.current?.focus();
  }, [request]);

  useEffect(() => {
    if (!runId) return;
    let live = true;
    api['runs.get']({ runId }).then(
      ({ run }) => {
        if (!live) return;
        const keys = run.latestMetrics.map((m) => m.key).sort();
        setMetricKeys(keys);
        setMetricKey((k) => (keys.includes(k) ? k : (keys[0] ?? '')));
      },
      () => live && setMetricKeys([]),
    );
    return () => {
      live = false;
    };
  }, [runId]);

  const versions = meta.modelVersions;
  const selectedVersion = versionRef || (versions[0] ? `${versions[0].name}/${versions[0].version}` : '');
  function target(): ReviewTargetInput | null {
    if (kind === 'version') {
      const cut = selectedVersion.lastIndexOf('/');
      return cut < 0 ? null : { kind, name: selectedVersion.slice(0, cut), version: selectedVersion.slice(cut + 1) };
    }
    if (kind === 'metric') return { kind, runId, key: metricKey, step: step.trim() === '' ? null : Number(step) };
    if (kind === 'artifact') return { kind, runId, path: path.trim() };
    return { kind, runId };
  }

  async function add(event: React.FormEvent) {
    event.preventDefault();
    const t = target();
    if (t && (await onAdd(t, text))) setText('');
  }

  return (
    <form className="review-target-form" onSubmit={(e) => void add(e)} aria-label="Add a comment">
      <fieldset>
        <legend>Add a comment</legend>
        <div className="row">
          <select value={kind} onChange={(e) => setKind(e.target.value as Kind)} aria-label="Comment on">
            <option value="run">Run</option>
            <option value="metric">Metric</option>
            <option value="artifact">Artifact</option>
            <option value="version" disabled={versions.length === 0}>
              Model version
            </option>
          </select>
          {kind === 'version' ? (
            <select value={selectedVersion} onChange={(e) => setVersionRef(e.target.value)} aria-label="Model version">
              {versions.map((v) => (
                <option key={`${v.name}/${v.version}`} value={`${v.name}/${v.version}`}>
                  {v.name} v{v.version}
                </option>
              ))}
            </select>
          ) : (
            <select value={runId} onChange={(e) => setRunId(e.target.value)} aria-label="Run">
              {meta.runs.map((r) => (
                <option key={r.runId} value={r.runId}>
                  {r.name || r.runId}
                </option>
              ))}
            </select>
          )}
        </div>
        {kind === 'metric' && (
          <div className="row">
            <select value={metricKey} onChange={(e) => setMetricKey(e.target.value)} aria-label="Metric">
              {metricKeys.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
            <input type="number" min={0} step={1} value={step} onChange={(e) => setStep(e.target.value)} placeholder="step (any)" aria-label="Step" />
          </div>
        )}
        {kind === 'artifact' && <input type="text" value={path} onChange={(e) => setPath(e.target.value)} placeholder="path, e.g. plots/confusion.png" aria-label="Artifact path" />}
        <textarea ref={textBox} value={text} onChange={(e) => setText(e.target.value)} maxLength={4000} placeholder="Your comment" aria-label="Comment text" />
        <button type="submit" className="btn btn-small" disabled={busy || text.trim() === '' || (kind !== 'version' && !runId)}>
          Add comment
        </button>
      </fieldset>
    </form>
  );
}
