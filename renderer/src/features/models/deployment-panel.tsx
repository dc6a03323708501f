import { useId, useState } from 'react';
import type { Deployment, ModelSummary } from '../../../../shared/app-api/models';
import { CHAMPION } from '../../../../shared/app-api/models';
import { formatRelative, formatTime } from '../../components/format';
import { CopyButton } from '../run/copy-value';
import { CallExample } from './call-example';
import { startDeployment, stopDeployment } from './models-store';
import { CountedTitle } from './model-badges';

/** Deployments started without a port get the first free one from here (the server's DEFAULT_PORT). */
const DEFAULT_PORT = 8500;

function DeploymentRow({ deployment, model, onError }: { deployment: Deployment; model: ModelSummary; onError: (message: string | null) => void }) {
  const [stopping, setStopping] = useState(false);
  const stop = async () => {
    setStopping(true);
    onError(null);
    try {
      await stopDeployment(model.name, deployment.id);
    } catch (error) {
      onError((error as Error).message);
      setStopping(false);
    }
  };
  return (
    <li className="deployment" data-testid="deployment" data-state={deployment.state} data-alias={deployment.alias}>
      <div className="deployment-head">
        <span className={`deploy-state deploy-${deployment.state}`} data-testid="deployment-state">
          {deployment.state}
        </span>
        <span className="mono deployment-target" title={`${model.name}@${deployment.alias}`}>
          {model.name}@{deployment.alias}
        </span>
        <button data-writes type="button" className="btn btn-small deployment-stop" onClick={() => void stop()} disabled={stopping}>
          {deployment.state === 'failed' ? 'Dismiss' : stopping ? 'Stopping…' : 'Stop'}
        </button>
      </div>
      {deployment.url && (
        <div className="deployment-url">
          <code className="mono" data-testid="deployment-url">
            {deployment.url}
          </code>
          <CopyButton value={deployment.url} label="Copy the server URL" />
        </div>
      )}
      {deployment.error && (
        <p className="deployment-error" role="alert">
          {deployment.error}
        </p>
      )}
      <p className="muted deployment-meta" title={`Started ${formatTime(deployment.startedAt)}`}>
        {deployment.version && deployment.state !== 'failed' && (
          <>
            <span data-testid="deployment-version">
              {deployment.state === 'running' ? 'Serving' : 'Loading'} v{deployment.version}
            </span>
            {' · '}
          </>
        )}
        {deployment.state === 'failed' ? 'tried' : 'started'} {formatRelative(deployment.startedAt)} · 127.0.0.1 only
      </p>
      {deployment.state === 'running' && (
        <p className="muted deployment-follows">
          Follows @{deployment.alias}: a promotion or rollback switches the version it serves with the next request.
        </p>
      )}
      {deployment.url && deployment.state === 'running' && deployment.version && <CallExample url={deployment.url} model={model.name} version={deployment.version} />}
    </li>
  );
}

/** The prediction servers of this model that MLDesk runs, and a form to start one for an alias. */
export function DeploymentPanel({ model, deployments }: { model: ModelSummary; deployments: Deployment[] }) {
  const aliases = [...model.aliases].sort((a, b) => (a.alias === CHAMPION ? -1 : b.alias === CHAMPION ? 1 : a.alias.localeCompare(b.alias)));
  const [alias, setAlias] = useState(aliases[0]?.alias ?? CHAMPION);
  const [portText, setPortText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const aliasId = useId();
  const portId = useId();
  // Empty: the first free port from 8500, kept across restarts.
  const port = portText.trim() === '' ? undefined : Number(portText);
  const portValid = port === undefined || (/^\d+$/.test(portText.trim()) && port <= 65535);
  const chosen = aliases.some((a) => a.alias === alias) ? alias : (aliases[0]?.alias ?? '');
  const alreadyDeployed = deployments.some((d) => d.alias === chosen && d.state !== 'failed');

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      await startDeployment(model.name, chosen, port);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card deployment-panel" data-testid="deployment-panel">
      <div className="card-header">
        <CountedTitle title="Deployment" count={deployments.length} />
      </div>
      <div className="card-body">
        {deployments.length === 0 ? (
          <p className="muted deployment-none">No prediction server is running for this model.</p>
        ) : (
          <ul className="deployments">
            {deployments.map((d) => (
              <DeploymentRow key={d.id} deployment={d} model={model} onError={setError} />
            ))}
          </ul>
        )}
        {aliases.length === 0 ? (
          <p className="muted deployment-hint">A deployment serves an alias. Approve a version and promote it to champion to deploy it.</p>
        ) : (
          <form data-writes
            className="deploy-form"
            onSubmit={(event) => {
              event.preventDefault();
              if (portValid && !busy && !alreadyDeployed) void start();
            }}
          >
            <label htmlFor={aliasId}>Alias</label>
            <select id={aliasId} className="input" value={chosen} onChange={(event) => setAlias(event.target.value)}>
              {aliases.map((a) => (
                <option key={a.alias} value={a.alias}>
                  @{a.alias} (v{a.version})
                </option>
              ))}
            </select>
            <label htmlFor={portId}>Port</label>
            <input id={portId} type="text" inputMode="numeric" className="port-input" value={portText} placeholder={`${DEFAULT_PORT}+`} onChange={(event) => setPortText(event.target.value)} aria-invalid={!portValid} title={`Empty: the first free port from ${DEFAULT_PORT}, kept across restarts. 0: any free port.`} />
            <button type="submit" className="btn btn-primary btn-small" disabled={busy || !portValid || alreadyDeployed} title={alreadyDeployed ? `@${chosen} is already deployed` : 'Start a prediction server on 127.0.0.1'}>
              {busy ? 'Starting…' : 'Start'}
            </button>
          </form>
        )}
        {!portValid && <p className="field-error">The port is empty (the first free one from {DEFAULT_PORT}) or a whole number from 0 (any free port) to 65535.</p>}
        {error && <div role="alert" className="error-banner">{error}</div>}
      </div>
    </section>
  );
}
