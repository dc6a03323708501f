import { useEffect } from 'react';
import { ErrorBanner, Spinner } from '../../components/feedback';
import { DatasetsTable } from './datasets-table';
import { loadDatasets, useDatasets } from './datasets-store';
import { SampleCards } from './sample-cards';
import { UploadBox } from './upload-box';
import './datasets.css';

function FirstSteps() {
  return (
    <div data-writes className="empty-state datasets-empty" data-testid="datasets-empty">
      <p className="empty-title">No datasets yet</p>
      <ol className="first-steps">
        <li>
          <strong>Import a sample</strong> below (iris trains in seconds), or <strong>drop your own CSV / JSONL</strong> file above.
        </li>
        <li>Check its schema and column statistics: types, nulls, distributions.</li>
        <li>
          Press <strong>Train a model</strong>: the run records the exact dataset version it read.
        </li>
      </ol>
      <p className="muted">
        Re-importing changed content under the same name adds a version; identical bytes are recognised by their SHA-256. From a shell: <code>mldesk data import FILE</code>.
      </p>
    </div>
  );
}

/** Every dataset, the upload box and the shipped samples. */
export function DatasetsPage() {
  const { datasets, samples, loaded, error } = useDatasets();

  useEffect(() => {
    document.title = 'Datasets · MLDesk';
    void loadDatasets();
    // Imports from the CLI send no event: catch up when the user comes back to the window.
    const onFocus = () => void loadDatasets();
    window.addEventListener('focus', onFocus);
    return () => {
      window.removeEventListener('focus', onFocus);
      document.title = 'MLDesk';
    };
  }, []);

  return (
    <main className="page datasets-page" data-testid="datasets-page">
      <header className="page-head">
        <div>
          <h1>Datasets</h1>
          <p className="muted">Versioned, content-addressed tables. Every training run records the exact version it read.</p>
        </div>
      </header>
      {error && <ErrorBanner message={`Could not load datasets: ${error}`} onRetry={() => void loadDatasets()} />}
      <UploadBox compact={datasets.length > 0} />
      {!loaded ? <Spinner label="Loading datasets…" /> : datasets.length === 0 ? <FirstSteps /> : <DatasetsTable datasets={datasets} />}
      <SampleCards samples={samples} />
    </main>
  );
}
