import { useEffect, useMemo, useRef, useState } from 'react';
import { Icon } from './icons';
import { applyColumns, latestQuery, resetColumns, useRunsData } from './runs-data-store';
import { choiceSize, EMPTY_CHOICE, type ColumnChoice } from './table-columns';

const GROUPS = [
  { field: 'metrics', title: 'Metrics' },
  { field: 'params', title: 'Params' },
  { field: 'tags', title: 'Tags' },
] as const;

type Field = (typeof GROUPS)[number]['field'];

function toggled(choice: ColumnChoice, field: Field, key: string): ColumnChoice {
  const keys = choice[field];
  return { ...choice, [field]: keys.includes(key) ? keys.filter((k) => k !== key) : [...keys, key] };
}

function PickerPanel({ onClose }: { onClose(): void }) {
  const available = useRunsData((s) => s.available);
  const chosen = useRunsData((s) => latestQuery(s)?.columns ?? EMPTY_CHOICE);
  const custom = useRunsData((s) => s.customColumns);
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const groups = useMemo(
    () => GROUPS.map((group) => ({ ...group, keys: (available?.[group.field] ?? []).filter((key) => key.toLowerCase().includes(needle)) })),
    [available, needle],
  );
  const none = groups.every((group) => group.keys.length === 0);

  return (
    <div className="rt-picker" role="dialog" aria-label="Choose columns">
      <input
        type="search"
        autoFocus
        className="rt-picker-search"
        placeholder="Search metrics, params, tags"
        aria-label="Search columns"
        value={search}
        onChange={(event) => setSearch(event.target.value)}
        onKeyDown={(event) => event.key === 'Escape' && (search ? setSearch('') : onClose())}
      />
      <div className="rt-picker-groups">
        {!available && <p className="muted rt-picker-note">Loading keys…</p>}
        {available && none && <p className="muted rt-picker-note">{needle ? `No key contains “${search.trim()}”.` : 'No metrics, params or tags logged yet.'}</p>}
        {groups.map(
          (group) =>
            group.keys.length > 0 && (
              <fieldset key={group.field} className="rt-picker-group">
                <legend>
                  {group.title} <span className="muted">{group.keys.length}</span>
                </legend>
                {group.keys.map((key) => (
                  <label key={key} className="rt-picker-option" title={key}>
                    <input type="checkbox" checked={chosen[group.field].includes(key)} onChange={() => void applyColumns(toggled(chosen, group.field, key))} />
                    <span>{key}</span>
                  </label>
                ))}
              </fieldset>
            ),
        )}
      </div>
      <div className="rt-picker-footer">
        <span className="muted">{choiceSize(chosen)} shown</span>
        <button type="button" className="btn btn-small btn-ghost" disabled={!custom} onClick={() => void resetColumns()}>
          Reset to default
        </button>
      </div>
    </div>
  );
}

/** "Columns" button and its popover; picks are remembered per experiment. */
export function ColumnPicker() {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const count = useRunsData((s) => choiceSize(latestQuery(s)?.columns ?? EMPTY_CHOICE));

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: MouseEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="rt-picker-root" ref={rootRef}>
      <button type="button" className={`btn ${open ? 'is-pressed' : ''}`} aria-expanded={open} aria-haspopup="dialog" onClick={() => setOpen(!open)}>
        <Icon name="columns" />
        Columns
        {count > 0 && <span className="rt-count-badge">{count}</span>}
      </button>
      {open && <PickerPanel onClose={() => setOpen(false)} />}
    </div>
  );
}
