import { useState } from 'react';
import { call } from '../../api/app-client';

const MAX_LENGTH = 5000;

/** The run's note (MLflow's `mlflow.note.content`): plain text, edited in place. */
export function RunDescription({ runId, description, onSaved }: { runId: string; description: string; onSaved(): void }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const editing = draft !== null;

  const save = async () => {
    if (draft === null) return;
    setSaving(true);
    setError(null);
    try {
      await call('runs.setDescription', { runId, description: draft });
      setDraft(null);
      onSaved();
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setSaving(false);
    }
  };
  const cancel = () => {
    setDraft(null);
    setError(null);
  };

  return (
    <section className="card run-description" aria-labelledby="run-description-title">
      <div className="card-header">
        <span id="run-description-title">Description</span>
        {!editing && (
          <button data-writes className="btn btn-small" onClick={() => setDraft(description)}>
            {description ? 'Edit' : 'Add description'}
          </button>
        )}
      </div>
      <div className="card-body">
        {editing ? (
          <>
            <textarea
              aria-label="Run description"
              className={`description-input${draft.length > MAX_LENGTH ? ' invalid' : ''}`}
              value={draft}
              rows={Math.min(16, Math.max(5, draft.split('\n').length + 1))}
              autoFocus
              placeholder="What was this run about? Findings, caveats, links…"
              onChange={(event) => setDraft(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Escape') cancel();
                if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) void save();
              }}
            />
            {error && (
              <div className="field-error" role="alert">
                Could not save the description: {error}
              </div>
            )}
            <div className="description-actions">
              <span className={`muted${draft.length > MAX_LENGTH ? ' over-limit' : ''}`}>
                {draft.length.toLocaleString('en-US')} / {MAX_LENGTH.toLocaleString('en-US')} · Ctrl+Enter saves
              </span>
              <button className="btn" onClick={cancel} disabled={saving}>
                Cancel
              </button>
              <button className="btn btn-primary" onClick={() => void save()} disabled={saving || draft === description}>
                {saving ? 'Saving…' : 'Save'}
              </button>
            </div>
          </>
        ) : description ? (
          <p className="description-text" data-testid="run-description">
            {description}
          </p>
        ) : (
          <p className="muted description-empty">No description yet. Note what this run tried and what you learned.</p>
        )}
      </div>
    </section>
  );
}
