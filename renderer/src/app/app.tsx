import { lazy, Suspense } from 'react';
import { Spinner } from '../components/feedback';
import { ExperimentsPage } from '../features/experiments/experiments-page';
import { TrainingJobsIndicator } from '../features/training/training-jobs-indicator';
import { AlertToasts } from '../features/models/alert-toasts';
import { ReviewShell } from '../features/reviews/review-shell';
import { routeHref, useRoute } from './router';
import { SessionBadge } from './session-badge';
import { BundleBanner, useReadOnly } from './bundle-mode';
import { useTheme, type ThemeChoice } from './theme-store';

// The chart-heavy pages load on first use, so opening the runs table does not wait for the chart library.
const RunPage = lazy(() => import('../features/run/run-page').then((m) => ({ default: m.RunPage })));
const CompareRunsPage = lazy(() => import('../features/compare/compare-page').then((m) => ({ default: m.CompareRunsPage })));
const DatasetsPage = lazy(() => import('../features/datasets/datasets-page').then((m) => ({ default: m.DatasetsPage })));
const DatasetPage = lazy(() => import('../features/datasets/dataset-page').then((m) => ({ default: m.DatasetPage })));
const ModelsPage = lazy(() => import('../features/models/models-page').then((m) => ({ default: m.ModelsPage })));
const ModelPage = lazy(() => import('../features/models/model-page').then((m) => ({ default: m.ModelPage })));
const SettingsPage = lazy(() => import('../features/keys/settings-page').then((m) => ({ default: m.SettingsPage })));
const JobsPage = lazy(() => import('../features/jobs/jobs-page').then((m) => ({ default: m.JobsPage })));
const PipelinesPage = lazy(() => import('../features/pipelines/pipelines-page').then((m) => ({ default: m.PipelinesPage })));
const SweepsPage = lazy(() => import('../features/sweeps/sweeps-page').then((m) => ({ default: m.SweepsPage })));
const SweepPage = lazy(() => import('../features/sweeps/sweep-page').then((m) => ({ default: m.SweepPage })));
const NewSweepPage = lazy(() => import('../features/sweeps/new-sweep-form').then((m) => ({ default: m.NewSweepPage })));
const NewRunPage = lazy(() => import('../features/training/new-run-page').then((m) => ({ default: m.NewRunPage })));

function ThemeSwitch() {
  const { choice, set } = useTheme();
  return (
    <label className="theme-switch">
      <span className="visually-hidden">Theme</span>
      <select aria-label="Theme" value={choice} onChange={(event) => set(event.target.value as ThemeChoice)}>
        <option value="system">System theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

export function App() {
  const route = useRoute();
  const readOnly = useReadOnly();
  return (
    <div className="app" data-read-only={readOnly ? 'bundle' : undefined}>
      <header className="topbar">
        <a className="brand" href="#/">
          MLDesk
        </a>
        <nav className="topnav" aria-label="Main">
          <a href="#/" className={route.view === 'experiments' ? 'active' : ''}>
            Experiments
          </a>
          <a href={routeHref({ view: 'datasets' })} className={route.view === 'datasets' || route.view === 'dataset' ? 'active' : ''}>
            Datasets
          </a>
          <a href={routeHref({ view: 'models' })} className={route.view === 'models' || route.view === 'model' ? 'active' : ''}>
            Models
          </a>
          <a href={routeHref({ view: 'jobs', jobId: null })} className={route.view === 'jobs' ? 'active' : ''}>
            Jobs
          </a>
          <a href={routeHref({ view: 'pipelines' })} className={route.view === 'pipelines' ? 'active' : ''}>
            Pipelines
          </a>
          <a href={routeHref({ view: 'sweeps' })} className={route.view === 'sweeps' || route.view === 'sweep' || route.view === 'new-sweep' ? 'active' : ''}>
            Sweeps
          </a>
        </nav>
        <div className="topbar-right">
          <TrainingJobsIndicator />
          <a data-writes href={routeHref({ view: 'new-run', dataset: null })} className={`btn btn-small btn-primary topbar-new-run${route.view === 'new-run' ? ' active' : ''}`}>
            New run
          </a>
          <a href={routeHref({ view: 'settings' })} className={`btn btn-small btn-ghost topbar-settings${route.view === 'settings' ? ' active' : ''}`} title="Settings: signing key and trusted keys">
            Settings
          </a>
          <ThemeSwitch />
          <SessionBadge />
        </div>
      </header>
      {/* The review panel (issue 14) renders inside the banner's slot: <BundleBanner><ReviewPanel /></BundleBanner>. */}
      <BundleBanner />
      {route.view === 'experiments' && <ExperimentsPage experimentId={route.experimentId} />}
      <Suspense fallback={<main className="page"><Spinner /></main>}>
        {route.view === 'run' && <RunPage runId={route.runId} />}
        {route.view === 'compare' && <CompareRunsPage runIds={route.runIds} />}
        {route.view === 'datasets' && <DatasetsPage />}
        {route.view === 'dataset' && <DatasetPage key={route.ref.split('@')[0]} datasetRef={route.ref} />}
        {route.view === 'models' && <ModelsPage />}
        {route.view === 'model' && <ModelPage key={route.name} name={route.name} />}
        {route.view === 'settings' && <SettingsPage />}
        {route.view === 'jobs' && <JobsPage jobId={route.jobId} />}
        {route.view === 'pipelines' && <PipelinesPage />}
        {route.view === 'sweeps' && <SweepsPage />}
        {route.view === 'sweep' && <SweepPage key={route.id} id={route.id} />}
        {route.view === 'new-sweep' && <NewSweepPage />}
        {route.view === 'new-run' && <NewRunPage key={route.dataset ?? ''} preselected={route.dataset} />}
      </Suspense>
      <AlertToasts />
      {/* Issue 14: over a bundle the review panel, else a review file dropped here is imported. The lead may move it into the bundle banner's slot. */}
      <ReviewShell />
    </div>
  );
}
