import { useEffect } from 'react';
import { useDocumentTitle } from '../../app/document-title';
import { routeHref } from '../../app/router';
import { EmptyState, Spinner } from '../../components/feedback';
import { formatRelative, formatTime } from '../../components/format';
import { RunsTable } from '../runs-table/runs-table';
import { ExperimentSidebar } from './experiment-sidebar';
import { mostRecent, useExperiments } from './experiments-store';
import { useLiveExperiments } from './use-live-experiments';
import './experiments.css';

function ExperimentMain({ experimentId }: { experimentId: string | null }) {
  const { experiments, loaded } = useExperiments();
  useDocumentTitle(experimentId === null ? 'Experiments' : experiments.find((e) => e.experimentId === experimentId)?.name, experimentId === null ? null : 'Experiments');
  if (experimentId === null) {
    return loaded && experiments.length === 0 ? (
      <EmptyState title="Create an experiment to start">
        Use “New” in the sidebar, log a run from any MLflow client, or train a model here on a <a href={routeHref({ view: 'datasets' })}>sample dataset</a> with{' '}
        <a href={routeHref({ view: 'new-run', dataset: null })}>New run</a>.
      </EmptyState>
    ) : (
      <Spinner label="Loading experiments…" />
    );
  }
  const experiment = experiments.find((e) => e.experimentId === experimentId);
  if (loaded && !experiment) {
    const fallback = mostRecent(experiments);
    return (
      <EmptyState title="This experiment does not exist or was deleted.">
        {fallback && (
          <a href={routeHref({ view: 'experiments', experimentId: fallback.experimentId })}>Open “{fallback.name}”, the most recent experiment</a>
        )}
      </EmptyState>
    );
  }
  // The runs load alongside the experiment list rather than after it: the id in the URL is enough.
  return (
    <>
      <header className="exp-head">
        {experiment ? <h1 title={experiment.name}>{experiment.name}</h1> : <span className="exp-head-skeleton" aria-hidden="true" />}
        <div className="exp-head-meta muted">
          <span>ID {experimentId}</span>
          {experiment && <span>Created {formatTime(experiment.creationTime)}</span>}
          {experiment?.lastRunTime != null && <span>Last run {formatRelative(experiment.lastRunTime)}</span>}
        </div>
      </header>
      <RunsTable experimentId={experimentId} experimentName={experiment?.name ?? ''} />
    </>
  );
}

/** Experiments sidebar and the selected experiment's runs; without an id, opens the most recent experiment. */
export function ExperimentsPage({ experimentId }: { experimentId: string | null }) {
  useLiveExperiments();
  const target = useExperiments((s) => (experimentId === null && s.loaded ? mostRecent(s.experiments)?.experimentId : undefined));

  useEffect(() => {
    // Replace, not push: Back should leave the app rather than bounce off "#/".
    if (target) window.location.replace(routeHref({ view: 'experiments', experimentId: target }));
  }, [target]);

  return (
    <div className="exp-layout">
      <ExperimentSidebar selectedId={experimentId} />
      <main className="exp-main">
        <ExperimentMain experimentId={experimentId} />
      </main>
    </div>
  );
}
