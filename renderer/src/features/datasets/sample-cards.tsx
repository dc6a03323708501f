import { useState } from 'react';
import { routeHref } from '../../app/router';
import { importSample, type Sample } from './datasets-store';

function SampleCard({ sample }: { sample: Sample }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      await importSample(sample.name);
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="card sample-card" data-testid="sample-card" data-name={sample.name}>
      <div className="sample-head">
        <span className="sample-name mono">{sample.name}</span>
      </div>
      <p className="sample-description">{sample.description}</p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="sample-actions">
        {sample.imported ? (
          <>
            <span className="sample-imported">✓ Imported</span>
            <a className="btn btn-small" href={routeHref({ view: 'dataset', ref: sample.name })}>
              Open
            </a>
          </>
        ) : (
          <button data-writes type="button" className="btn btn-small btn-primary" disabled={busy} onClick={() => void run()} aria-label={`Import sample ${sample.name}`}>
            {busy ? 'Importing…' : 'Import sample'}
          </button>
        )}
      </div>
    </li>
  );
}

/** The datasets shipped with the app, one click from a first model. */
export function SampleCards({ samples }: { samples: Sample[] }) {
  if (samples.length === 0) return null;
  return (
    <section data-writes className="samples" aria-labelledby="samples-title">
      <h2 id="samples-title" className="section-title">
        Sample datasets
      </h2>
      <ul className="sample-grid">
        {samples.map((sample) => (
          <SampleCard key={sample.name} sample={sample} />
        ))}
      </ul>
    </section>
  );
}
