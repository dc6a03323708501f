import { useEffect, useRef, useState } from 'react';
import type { ExperimentSummary } from '../../../../shared/app-api/entities';
import { routeHref } from '../../app/router';
import { formatRelative } from '../../components/format';
import { DEFAULT_EXPERIMENT_ID, nameProblem, renameExperiment } from './experiments-store';
import { Icon } from './icons';

const number = new Intl.NumberFormat();

export function runCountLabel(count: number): string {
  return `${number.format(count)} ${count === 1 ? 'run' : 'runs'}`;
}

/** Enter saves, Escape cancels, leaving the field saves a changed name; a refusal keeps the field open. */
function RenameField({ experiment, onDone }: { experiment: ExperimentSummary; onDone(): void }) {
  const [name, setName] = useState(experiment.name);
  const [error, setError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const saving = useRef(false);
  const cancelled = useRef(false);

  useEffect(() => inputRef.current?.select(), []);

  const save = async () => {
    if (saving.current) return;
    if (name.trim() === experiment.name) return onDone();
    const problem = nameProblem(name);
    if (problem) return setError(problem);
    saving.current = true;
    try {
      await renameExperiment(experiment.experimentId, name.trim());
      onDone();
    } catch (failure) {
      setError((failure as Error).message);
      inputRef.current?.focus();
    } finally {
      saving.current = false;
    }
  };

  return (
    <div className="exp-rename">
      <input
        ref={inputRef}
        type="text"
        aria-label={`New name for ${experiment.name}`}
        className={error ? 'invalid' : undefined}
        aria-invalid={error ? true : undefined}
        value={name}
        onChange={(event) => {
          setName(event.target.value);
          setError(null);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter') void save();
          if (event.key === 'Escape') {
            cancelled.current = true;
            onDone();
          }
        }}
        onBlur={() => !error && !cancelled.current && void save()}
      />
      {error && (
        <div role="alert" className="field-error">
          {error}
        </div>
      )}
    </div>
  );
}

interface ItemProps {
  experiment: ExperimentSummary;
  active: boolean;
  renaming: boolean;
  now: number;
  /** Position in the virtual list: the row's index (for measuring) and offset. */
  index: number;
  top: number;
  measure(element: HTMLLIElement | null): void;
  setRenaming(on: boolean): void;
  onDelete(experiment: ExperimentSummary): void;
}

export function ExperimentItem({ experiment, active, renaming, now, index, top, measure, setRenaming, onDelete }: ItemProps) {
  const position = { ref: measure, 'data-index': index, style: { transform: `translateY(${top}px)` } };
  if (renaming) {
    return (
      <li className={`exp-item ${active ? 'is-active' : ''}`} {...position}>
        <RenameField experiment={experiment} onDone={() => setRenaming(false)} />
      </li>
    );
  }
  const lastRun = experiment.lastRunTime === null ? 'no runs yet' : formatRelative(experiment.lastRunTime, now);
  const isDefault = experiment.experimentId === DEFAULT_EXPERIMENT_ID;
  return (
    <li className={`exp-item ${active ? 'is-active' : ''}`} {...position}>
      <a
        className="exp-link"
        href={routeHref({ view: 'experiments', experimentId: experiment.experimentId })}
        aria-current={active ? 'page' : undefined}
        onDoubleClick={(event) => {
          event.preventDefault();
          setRenaming(true);
        }}
      >
        <span className="exp-name" title={experiment.name}>
          {experiment.name}
        </span>
        <span className="exp-meta">
          <span>{runCountLabel(experiment.runCount)}</span>
          {experiment.runCount > 0 && <span aria-hidden="true">·</span>}
          {experiment.runCount > 0 && <span title={`Last run started ${new Date(experiment.lastRunTime ?? 0).toLocaleString()}`}>{lastRun}</span>}
        </span>
      </a>
      <div className="exp-actions">
        <button data-writes type="button" className="exp-action" aria-label={`Rename ${experiment.name}`} title="Rename" onClick={() => setRenaming(true)}>
          <Icon name="pencil" size={14} />
        </button>
        <button data-writes
          type="button"
          className="exp-action exp-action-danger"
          aria-label={`Delete ${experiment.name}`}
          title={isDefault ? 'The default experiment cannot be deleted' : 'Delete'}
          disabled={isDefault}
          onClick={() => onDelete(experiment)}
        >
          <Icon name="trash" size={14} />
        </button>
      </div>
    </li>
  );
}
