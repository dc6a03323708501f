import { useEffect, useState } from 'react';
import type { ExampleRow } from '../../../../shared/app-api/predictions';
import { call } from '../../api/app-client';
import { CopyButton } from '../run/copy-value';
import { callSnippet, SNIPPET_LANGUAGES, type SnippetLanguage } from './call-snippets';

/** "Call it": a real row of the version's training data sent to the deployment, in curl, Python and JavaScript. */
export function CallExample({ url, model, version }: { url: string; model: string; version: string }) {
  const [language, setLanguage] = useState<SnippetLanguage>('curl');
  const [example, setExample] = useState<ExampleRow | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setExample(null);
    setError(null);
    call('predictions.example', { model, version }).then(
      (row) => live && setExample(row),
      (failure: unknown) => live && setError((failure as Error).message),
    );
    return () => {
      live = false;
    };
  }, [model, version]);
  const snippet = example ? callSnippet(language, url, model, example.row) : null;
  return (
    <details className="deployment-example" data-testid="call-example">
      <summary>Call it</summary>
      <div className="snippet-tabs" role="tablist" aria-label="Snippet language">
        {SNIPPET_LANGUAGES.map((l) => (
          <button key={l.id} type="button" role="tab" aria-selected={language === l.id} className={language === l.id ? 'active' : ''} onClick={() => setLanguage(l.id)}>
            {l.label}
          </button>
        ))}
        {snippet && <CopyButton value={snippet} label={`Copy the ${language} snippet`} />}
      </div>
      {error ? (
        <p className="deployment-error" role="alert">
          Could not build an example row: {error}
        </p>
      ) : snippet ? (
        <pre className="mono" role="tabpanel" data-testid="call-snippet" data-language={language}>
          {snippet}
        </pre>
      ) : (
        <p className="muted">Reading a row of the training data…</p>
      )}
      {example && (
        <p className="muted" data-testid="call-example-source">
          {example.source === 'training-data' ? `A row of ${example.dataset}, the data v${version} was trained on.` : `The typical values of v${version}'s training data (its rows are not stored).`} Also
          MLflow’s scoring protocol: POST {url}/invocations.
        </p>
      )}
    </details>
  );
}
