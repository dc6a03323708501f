import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { SigningKeyInfo } from '../../../../shared/app-api/keys';
import type { TrustedKey } from '../../../../shared/bundles';
import { call } from '../../api/app-client';
import { ConfirmDialog, ErrorBanner, Spinner } from '../../components/feedback';
import { formatTime } from '../../components/format';
import './keys.css';

/** Copies `text`, saying so next to the button for a moment (or why it could not). */
function CopyButton({ text, label, testId }: { text: string; label: string; testId: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    window.setTimeout(() => setState('idle'), 2000);
  };
  return (
    <button type="button" className="btn btn-small" data-testid={testId} onClick={() => void copy()} aria-label={label}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select the text' : 'Copy'}
    </button>
  );
}

/**
 * This installation's signing key (what others trust to accept its bundles, reviews and packages)
 * and the keys it trusts, with add and remove: the same list as `mldesk keys`.
 */
export function SigningKeyCard() {
  const [key, setKey] = useState<SigningKeyInfo | null>(null);
  const [trusted, setTrusted] = useState<TrustedKey[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState({ name: '', key: '' });
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<TrustedKey | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const [shown, listed] = await Promise.all([call('keys.show', {}), call('keys.list', {})]);
      setKey(shown.key);
      setTrusted(listed.keys);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFormError(null);
    try {
      await call('keys.trust', { name: draft.name, key: draft.key });
      setDraft({ name: '', key: '' });
      await load();
    } catch (failure) {
      setFormError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (target: TrustedKey) => {
    setRemoving(null);
    try {
      await call('keys.untrust', { nameOrFingerprint: target.fingerprint });
      await load();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  return (
    <section className="card signing-key-card" data-testid="signing-key-card" aria-labelledby="signing-key-title">
      <div className="card-header">
        <span id="signing-key-title">Signing key</span>
      </div>
      <div className="card-body">
        {error && <ErrorBanner message={error} onRetry={() => void load()} />}
        {!key && !error && <Spinner />}
        {key && (
          <dl className="key-facts">
            <dt>Fingerprint</dt>
            <dd>
              <code className="mono key-text" data-testid="own-fingerprint">
                {key.fingerprint}
              </code>
              <CopyButton text={key.fingerprint} label="Copy fingerprint" testId="copy-fingerprint" />
            </dd>
            <dt>Public key</dt>
            <dd>
              <code className="mono key-text" data-testid="own-public-key">
                {key.publicKey}
              </code>
              <CopyButton text={key.publicKey} label="Copy public key" testId="copy-public-key" />
            </dd>
            <dt>Signs as</dt>
            <dd>
              {key.name} <span className="muted">· private key in {key.keyFile}</span>
            </dd>
          </dl>
        )}
        <p className="muted key-help">Bundles, reviews and handoff packages made here are signed with this key. Send the public key to whoever should trust them; they compare the fingerprint with you.</p>
        <h3 className="key-subtitle">Trusted keys</h3>
        {trusted && trusted.length === 0 && <p className="muted">No trusted keys yet: an approval in a review counts only when its signer's key is trusted here.</p>}
        {trusted && trusted.length > 0 && (
          <table className="trusted-keys" data-testid="trusted-keys">
            <thead>
              <tr>
                <th>Name</th>
                <th>Fingerprint</th>
                <th>Added</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {trusted.map((k) => (
                <tr key={k.fingerprint} data-testid="trusted-key">
                  <td>{k.name}</td>
                  <td className="mono key-text">{k.fingerprint}</td>
                  <td className="muted">{formatTime(k.addedTime)}</td>
                  <td>
                    <button type="button" className="btn btn-small btn-ghost" onClick={() => setRemoving(k)} aria-label={`Remove ${k.name}`}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <form className="trust-form" onSubmit={(event) => void add(event)} aria-label="Trust a key">
          <input type="text" aria-label="Name" placeholder="Name (e.g. Alice)" value={draft.name} maxLength={200} onChange={(e) => {
              setDraft({ ...draft, name: e.target.value });
              setFormError(null);
            }} />
          <input
            type="text"
            className="mono"
            aria-label="Public key"
            placeholder="Public key (base64, from mldesk keys show)"
            value={draft.key}
            onChange={(e) => {
              setDraft({ ...draft, key: e.target.value });
              setFormError(null);
            }}
          />
          <button type="submit" className="btn btn-primary" disabled={busy || draft.name.trim() === '' || draft.key.trim() === ''}>
            Trust key
          </button>
        </form>
        {formError && (
          <div className="field-error" role="alert">
            {formError}
          </div>
        )}
      </div>
      {removing && (
        <ConfirmDialog
          title={`Stop trusting ${removing.name}?`}
          body={<p>Reviews and packages signed by {removing.fingerprint} will show as not trusted, and their approvals stop counting for the champion gate.</p>}
          confirmLabel="Remove"
          destructive
          onConfirm={() => void remove(removing)}
          onCancel={() => setRemoving(null)}
        />
      )}
    </section>
  );
}
