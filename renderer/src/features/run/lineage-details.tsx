import type { ReactNode } from 'react';
import type { RunLineage } from '../../../../shared/lineage';
import { formatTime } from '../../components/format';
import { Hash } from './copy-value';
import { routeHref } from '../../app/router';
import { formatCount, formatMemory } from './lineage-format';

interface Fact {
  label: string;
  value: ReactNode;
  /** Stands out in the list (the seed: the one number that decides every random draw). */
  highlight?: boolean;
  /** A plain-text key for tests and screen readers. */
  id?: string;
}

function FactGroup({ title, note, facts, testId }: { title: string; note?: ReactNode; facts: Fact[]; testId: string }) {
  return (
    <section className="card lineage-group" data-testid={testId} aria-label={title}>
      <div className="card-header">
        <span>{title}</span>
        {note && <span className="muted">{note}</span>}
      </div>
      <dl className="facts">
        {facts.map((fact) => (
          <div key={fact.label} className={fact.highlight ? 'fact highlight' : 'fact'} data-fact={fact.id ?? fact.label}>
            <dt>{fact.label}</dt>
            <dd>{fact.value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

const Mono = ({ children }: { children: ReactNode }) => <span className="mono">{children}</span>;
const Missing = ({ children }: { children: ReactNode }) => <span className="muted">{children}</span>;

function codeFacts(code: RunLineage['code']): Fact[] {
  const facts: Fact[] = [];
  const git = code.git;
  if (git) {
    facts.push({
      label: 'Git commit',
      id: 'git-commit',
      value: (
        <span className="fact-inline">
          <Hash value={git.commit} label="Copy the git commit" />
          {git.branch ? (
            <span>
              on <Mono>{git.branch}</Mono>
            </span>
          ) : (
            <Missing>detached HEAD</Missing>
          )}
        </span>
      ),
    });
    facts.push({
      label: 'Working tree',
      id: 'git-dirty',
      value: git.dirty ? (
        <span className="fact-inline">
          <span className="pill pill-warn">dirty</span>
          <span className="muted">
            uncommitted changes{git.untrackedFiles > 0 ? `, ${formatCount(git.untrackedFiles)} untracked file${git.untrackedFiles === 1 ? '' : 's'}` : ''}; diff
          </span>
          <Hash value={git.diffSha256} label="Copy the SHA-256 of the uncommitted changes" />
        </span>
      ) : (
        <span className="pill pill-ok">clean</span>
      ),
    });
    if (git.root !== code.projectDir) facts.push({ label: 'Repository', value: <Mono>{git.root}</Mono> });
  } else {
    facts.push({ label: 'Git', id: 'git-commit', value: <span className="fact-problem">{code.gitProblem ?? 'not a git repository'}</span> });
  }
  facts.push({ label: 'Config hash', id: 'config-hash', value: <Hash value={code.configSha256} label="Copy the SHA-256 of the training config" /> });
  facts.push({ label: 'Project dir', value: <Mono>{code.projectDir}</Mono> });
  return facts;
}

function environmentFacts(env: RunLineage['environment']): Fact[] {
  const details = Object.entries(env.backendDetails)
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(', ');
  return [
    { label: 'OS', value: `${env.os} ${env.osRelease}` },
    { label: 'Architecture', value: env.arch },
    { label: 'CPU', value: `${env.cpuModel} × ${env.cpuCores} cores` },
    { label: 'Memory', value: formatMemory(env.totalMemoryBytes) },
    {
      label: 'GPU',
      value: env.gpus.length ? env.gpus.map((g) => `${g.name} (driver ${g.driver}, ${g.memory})`).join('; ') : <Missing>none</Missing>,
    },
    { label: 'Node.js', value: <Mono>{env.node}</Mono> },
    { label: 'Electron', value: env.electron ? <Mono>{env.electron}</Mono> : <Missing>not used (trained by the CLI or server)</Missing> },
    { label: 'TensorFlow.js', value: <Mono>{env.tfjs}</Mono> },
    {
      label: 'Backend used',
      id: 'backend',
      value: (
        <span className="fact-inline">
          <span className="pill">{env.backend}</span>
          <span className="muted">
            engine {env.backendEngine}
            {details ? `; ${details}` : ''}
          </span>
        </span>
      ),
    },
    { label: 'Lockfile', value: env.packageLockSha256 ? <Hash value={env.packageLockSha256} label="Copy the SHA-256 of package-lock.json" /> : <Missing>not shipped with this build</Missing> },
    { label: 'MLDesk', value: env.mldesk ? <Mono>{env.mldesk}</Mono> : <Missing>unknown</Missing> },
  ];
}

function dataFacts(data: RunLineage['data']): Fact[] {
  const stored = data.kind === 'dataset' && data.ref;
  return [
    {
      label: 'Dataset',
      id: 'dataset',
      value: stored ? (
        <a href={routeHref({ view: 'dataset', ref: data.ref! })} className="mono">
          {data.ref}
        </a>
      ) : (
        <span className="fact-inline">
          <Mono>{data.name}</Mono>
          <span className="pill pill-warn">in-memory table, rows not stored</span>
        </span>
      ),
    },
    { label: 'Version id', value: data.datasetVersionId === null ? <Missing>—</Missing> : <Mono>{data.datasetVersionId}</Mono> },
    { label: 'SHA-256', id: 'sha256', value: data.sha256 ? <Hash value={data.sha256} label="Copy the dataset's SHA-256" /> : <Missing>not recorded</Missing> },
    { label: 'Rows', id: 'rows', value: <Mono>{formatCount(data.rows)}</Mono> },
    { label: 'Source', value: <Mono>{data.source}</Mono> },
  ];
}

const HYPERPARAMETER_LABELS: Record<keyof RunLineage['config']['hyperparameters'], string> = {
  seed: 'seed',
  epochs: 'epochs',
  hiddenUnits: 'hidden units',
  activation: 'activation',
  optimizer: 'optimizer',
  learningRate: 'learning rate',
  batchSize: 'batch size',
  dropout: 'dropout',
  l2: 'L2',
  validationSplit: 'validation split',
  earlyStoppingPatience: 'early stopping patience',
  earlyStoppingMinDelta: 'early stopping min delta',
  keepIdColumns: 'keep id columns',
};

function configFacts(config: RunLineage['config']): Fact[] {
  const hp = config.hyperparameters;
  const facts: Fact[] = (Object.keys(HYPERPARAMETER_LABELS) as Array<keyof typeof hp>).map((key) => {
    const value = hp[key];
    // keepIdColumns is recorded only when set: absent means the default, false.
    const text = Array.isArray(value) ? `[${value.join(', ')}]` : String(value ?? false);
    return { label: HYPERPARAMETER_LABELS[key], id: key, value: <Mono>{text}</Mono>, highlight: key === 'seed' };
  });
  return [
    ...facts,
    { label: 'template', value: <Mono>{config.template}</Mono> },
    { label: 'target', value: <Mono>{config.target}</Mono> },
    { label: 'task', value: config.task ? <Mono>{config.task}</Mono> : <Missing>inferred from the target</Missing> },
    { label: 'backend requested', value: <Mono>{config.backend}</Mono> },
  ];
}

/** The recorded lineage as four groups of facts: what a reproduction depends on. */
export function LineageDetails({ lineage }: { lineage: RunLineage }) {
  return (
    <div className="lineage-details">
      <div className="lineage-column">
        <FactGroup title="Code" testId="lineage-code" facts={codeFacts(lineage.code)} />
        <FactGroup title="Environment" testId="lineage-environment" note={`recorded ${formatTime(lineage.recordedTime)}`} facts={environmentFacts(lineage.environment)} />
      </div>
      <div className="lineage-column">
        <FactGroup title="Data" testId="lineage-data" facts={dataFacts(lineage.data)} />
        <FactGroup title="Hyperparameters" testId="lineage-hyperparameters" note="every value, defaults included" facts={configFacts(lineage.config)} />
      </div>
    </div>
  );
}
