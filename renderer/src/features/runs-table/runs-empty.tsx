import { useState } from 'react';
import { routeHref } from '../../app/router';
import { EmptyState } from '../../components/feedback';
import { clearFilter } from './filter-box';
import { Icon } from './icons';

/** The address MLflow clients log to: this origin under `serve`, the default port in the desktop shell. */
export function trackingUri(): string {
  return window.location.protocol.startsWith('http') ? window.location.origin : 'http://127.0.0.1:5000';
}

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // Clipboard refused (no permission): the text stays selectable.
    }
  };
  return (
    <button type="button" className="btn btn-small rt-copy" onClick={() => void copy()}>
      <Icon name="copy" size={14} />
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

function Snippet({ label, text }: { label: string; text: string }) {
  return (
    <div className="rt-snippet">
      <div className="rt-snippet-head">
        <span>{label}</span>
        <CopyButton text={text} />
      </div>
      <pre>{text}</pre>
    </div>
  );
}

export function NoRunsYet({ experimentName }: { experimentName: string }) {
  const python = [
    'import mlflow',
    '',
    `mlflow.set_experiment(${JSON.stringify(experimentName)})`,
    'with mlflow.start_run():',
    '    mlflow.log_param("lr", 0.01)',
    '    mlflow.log_metric("accuracy", 0.91)',
  ].join('\n');
  return (
    <EmptyState title="No runs here yet.">
      <div className="rt-start" data-testid="runs-empty-start">
        <section className="rt-start-path">
          <h3>Train one in the app</h3>
          <p>
            Import a sample dataset (<strong>synthetic-churn</strong>, a yes/no churn table, or <strong>iris</strong>, three flower species), then train a model on it
            with <strong>New run</strong>: no code, progress shown live, the run lands here.
          </p>
          <div className="rt-start-actions">
            <a className="btn" href={routeHref({ view: 'datasets' })}>
              Sample datasets
            </a>
            <a className="btn btn-primary" href={routeHref({ view: 'new-run', dataset: null })}>
              New run
            </a>
          </div>
        </section>
        <section className="rt-start-path">
          <h3>Or log from your own code</h3>
          <p>Point any MLflow client at MLDesk and log a run; it shows up here while it trains.</p>
          <div className="rt-snippets">
            <Snippet label="1. In your shell" text={`export MLFLOW_TRACKING_URI=${trackingUri()}`} />
            <Snippet label="2. In your training script" text={python} />
          </div>
        </section>
      </div>
    </EmptyState>
  );
}

export function NoMatches({ filter }: { filter: string }) {
  return (
    <EmptyState title="No runs match this filter.">
      <p>
        Nothing satisfies <code>{filter}</code>. Loosen a condition or clear the filter to see every run.
      </p>
      <button type="button" className="btn" onClick={clearFilter}>
        Clear filter
      </button>
    </EmptyState>
  );
}
