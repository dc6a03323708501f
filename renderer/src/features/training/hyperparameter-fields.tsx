import { Field, type ControlProps } from './form-field';
import { HYPERPARAMETER_SPECS, type HyperparameterKey, type HyperparameterSpec } from './hyperparameter-specs';
import { editHyperparameter, useNewRun } from './new-run-store';

function Control({ spec, value, props }: { spec: HyperparameterSpec; value: string; props: ControlProps }) {
  if (spec.kind === 'choice') {
    return (
      <select {...props} value={value} onChange={(event) => editHyperparameter(spec.key, event.target.value)}>
        <option value="">Default ({spec.placeholder})</option>
        {spec.options
          .filter((option) => option !== spec.placeholder)
          .map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
      </select>
    );
  }
  return (
    <input
      {...props}
      type="text"
      inputMode={spec.kind === 'number' ? 'decimal' : 'text'}
      autoComplete="off"
      spellCheck={false}
      placeholder={spec.placeholder}
      value={value}
      onChange={(event) => editHyperparameter(spec.key, event.target.value)}
    />
  );
}

/** The template's hyperparameters; a blank field shows its default and sends nothing. */
export function HyperparameterFields() {
  const texts = useNewRun((s) => s.draft.hyperparameters);
  const errors = useNewRun((s) => s.errors);
  const changed = Object.values(texts).filter((text) => text?.trim()).length;
  return (
    <fieldset className="form-section">
      <legend>
        Hyperparameters
        <span className="legend-note">{changed === 0 ? 'all defaults' : `${changed} changed from the defaults`}</span>
        {changed > 0 && (
          <button type="button" className="link-button legend-action" onClick={() => useNewRun.setState((s) => ({ draft: { ...s.draft, hyperparameters: {} }, errors: withoutHyperparameterErrors(s.errors) }))}>
            Reset to defaults
          </button>
        )}
      </legend>
      <p className="form-section-note muted">Model: a multilayer perceptron (MLP) on the non-text columns. Blank fields take the default shown; every value is logged as a run param.</p>
      <div className="hp-grid">
        {HYPERPARAMETER_SPECS.map((spec) => (
          <Field key={spec.key} name={spec.key} label={spec.label} error={errors[spec.key]} hint={spec.hint}>
            {(props) => <Control spec={spec} value={texts[spec.key] ?? ''} props={props} />}
          </Field>
        ))}
      </div>
    </fieldset>
  );
}

function withoutHyperparameterErrors<T extends Partial<Record<string, string>>>(errors: T): T {
  const keys = new Set<string>(HYPERPARAMETER_SPECS.map((spec) => spec.key satisfies HyperparameterKey));
  return Object.fromEntries(Object.entries(errors).filter(([key]) => !keys.has(key))) as T;
}
