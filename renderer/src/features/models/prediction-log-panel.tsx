import type { Deployment } from '../../../../shared/app-api/models';

/**
 * The prediction log of a model: requests its deployments scored, with inputs, outputs, latency and
 * the version that answered. A placeholder for now: it will page through a `predictions.page`
 * operation (added with the prediction log in core/serving) and render its rows here.
 */
export function PredictionLogPanel({ model, deployments }: { model: string; deployments: Deployment[] }) {
  const running = deployments.filter((d) => d.state === 'running');
  return (
    <section className="card prediction-log" data-testid="prediction-log">
      <div className="card-header">
        <span>Prediction log</span>
      </div>
      <div className="empty-state prediction-log-empty">
        <p className="empty-title">No prediction log yet</p>
        <p className="muted">
          {running.length > 0
            ? `Requests to ${running.map((d) => d.url).join(', ')} will be listed here with their inputs, outputs, latency and the version of ${model} that answered.`
            : `Start a deployment of ${model} on the Versions tab; the requests it scores will be listed here with their inputs, outputs, latency and version.`}
        </p>
      </div>
    </section>
  );
}
