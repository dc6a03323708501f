import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import type { ExperimentSummary } from '../../../../shared/app-api/entities';
import { navigate } from '../../app/router';
import { ConfirmDialog, ErrorBanner, Spinner } from '../../components/feedback';
import { CreateExperimentForm } from './create-experiment-form';
import { ExperimentItem, runCountLabel } from './experiment-item';
import { deleteExperiment, loadExperiments, useExperiments } from './experiments-store';
import { Icon } from './icons';

function useMinuteClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function DeleteDialog({ experiment, selected, onClose }: { experiment: ExperimentSummary; selected: boolean; onClose(): void }) {
  const [error, setError] = useState<string | null>(null);
  const confirm = async () => {
    try {
      await deleteExperiment(experiment.experimentId);
      onClose();
      if (selected) navigate({ view: 'experiments', experimentId: null });
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <ConfirmDialog
      title={`Delete “${experiment.name}”?`}
      destructive
      confirmLabel={experiment.runCount > 0 ? `Delete experiment and ${runCountLabel(experiment.runCount)}` : 'Delete experiment'}
      body={
        <>
          <p className="exp-dialog-text">
            {experiment.runCount > 0 ? (
              <>
                Its <strong>{runCountLabel(experiment.runCount)}</strong> will be deleted with it, with their metrics, params and artifacts.
              </>
            ) : (
              'It has no runs.'
            )}{' '}
            MLflow clients that log to it will get an error.
          </p>
          {error && <div className="field-error" role="alert">{error}</div>}
        </>
      }
      onConfirm={() => void confirm()}
      onCancel={onClose}
    />
  );
}

const ITEM_HEIGHT = 54;

/** Virtualised, so thousands of experiments cost a screenful of DOM; the open one is scrolled into view. */
function ExperimentList({ experiments, selectedId, now, onDelete }: { experiments: ExperimentSummary[]; selectedId: string | null; now: number; onDelete(e: ExperimentSummary): void }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [renamingId, setRenamingId] = useState<string | null>(null);
  const virtualizer = useVirtualizer({
    count: experiments.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ITEM_HEIGHT,
    getItemKey: (index) => experiments[index]!.experimentId,
    overscan: 8,
  });
  const selectedIndex = experiments.findIndex((e) => e.experimentId === selectedId);
  useEffect(() => {
    if (selectedIndex >= 0) virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, virtualizer]);

  return (
    <div className="exp-list" ref={scrollRef}>
      <ul style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const experiment = experiments[item.index]!;
          return (
            <ExperimentItem
              key={experiment.experimentId}
              experiment={experiment}
              active={experiment.experimentId === selectedId}
              renaming={renamingId === experiment.experimentId}
              setRenaming={(on) => setRenamingId(on ? experiment.experimentId : null)}
              now={now}
              index={item.index}
              top={item.start}
              measure={virtualizer.measureElement}
              onDelete={onDelete}
            />
          );
        })}
      </ul>
    </div>
  );
}

/** Experiments with their run counts and last activity; search, create, rename, delete. */
export function ExperimentSidebar({ selectedId }: { selectedId: string | null }) {
  const { experiments, loaded, error } = useExperiments();
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<ExperimentSummary | null>(null);
  const now = useMinuteClock();
  const needle = search.trim().toLowerCase();
  const shown = needle ? experiments.filter((e) => e.name.toLowerCase().includes(needle)) : experiments;

  return (
    <aside className="exp-sidebar" aria-label="Experiments">
      <div className="exp-sidebar-head">
        <h2>
          Experiments {loaded && <span className="exp-count">{experiments.length}</span>}
        </h2>
        <button data-writes type="button" className="btn btn-small" onClick={() => setCreating(true)} disabled={creating}>
          <Icon name="plus" size={14} />
          New
        </button>
      </div>
      {creating && <CreateExperimentForm onDone={() => setCreating(false)} />}
      <div className="exp-search">
        <Icon name="search" size={14} />
        <input type="search" aria-label="Search experiments" placeholder="Search experiments" value={search} onChange={(event) => setSearch(event.target.value)} onKeyDown={(event) => event.key === 'Escape' && setSearch('')} />
      </div>
      {error && <ErrorBanner message={error} onRetry={() => void loadExperiments()} />}
      {!loaded && <Spinner label="Loading experiments…" />}
      {loaded && experiments.length === 0 && !error && (
        <div className="exp-empty">
          <p>No experiments yet.</p>
          <button data-writes type="button" className="btn btn-small btn-primary" onClick={() => setCreating(true)}>
            Create the first one
          </button>
        </div>
      )}
      {loaded && experiments.length > 0 && shown.length === 0 && (
        <div className="exp-empty">
          <p>No experiment name contains “{search.trim()}”.</p>
          <button type="button" className="exp-link-btn" onClick={() => setSearch('')}>
            Clear search
          </button>
        </div>
      )}
      <ExperimentList experiments={shown} selectedId={selectedId} now={now} onDelete={setDeleting} />
      {deleting && <DeleteDialog experiment={deleting} selected={deleting.experimentId === selectedId} onClose={() => setDeleting(null)} />}
    </aside>
  );
}
