import type { RunForward } from '../../../../shared/lineage';
import { routeHref } from '../../app/router';

const versionHref = (name: string, version: string, tab?: string) => `${routeHref({ view: 'model', name })}?version=${encodeURIComponent(version)}${tab ? `&tab=${tab}` : ''}`;

/**
 * Where the run's model went, in one line per version: "Registered as churn v1 (@champion),
 * deployed on :8500, 1,204 predictions", each part a link.
 */
export function RunForwardSummary({ forward }: { forward: RunForward | undefined }) {
  if (!forward || forward.versions.length === 0) return null;
  return (
    <section className="run-forward" data-testid="run-forward" aria-label="Where this run's model went">
      {forward.versions.map((v) => (
        <p key={`${v.name}/${v.version}`} className="run-forward-line" data-testid="run-forward-version">
          Registered as{' '}
          <a href={versionHref(v.name, v.version)}>
            {v.name} v{v.version}
          </a>
          {v.aliases.length > 0 && <span className="muted"> ({v.aliases.map((a) => `@${a}`).join(', ')})</span>}
          {v.deployments.length > 0 && (
            <>
              , deployed on{' '}
              {v.deployments.map((d, i) => (
                <span key={d.id}>
                  {i > 0 && ', '}
                  {d.url && d.state === 'running' ? (
                    <a href={`${routeHref({ view: 'model', name: v.name })}`} title={`${d.url} serves ${v.name}@${d.alias} (${d.state})`} className="mono">
                      :{d.port}
                    </a>
                  ) : (
                    <span className="mono" title={`${v.name}@${d.alias}: ${d.state}`}>
                      {d.port === null ? `@${d.alias}` : `:${d.port}`} ({d.state})
                    </span>
                  )}
                </span>
              ))}
            </>
          )}
          ,{' '}
          <a href={versionHref(v.name, v.version, 'predictions')}>
            {v.predictions.toLocaleString('en-US')} prediction{v.predictions === 1 ? '' : 's'}
          </a>
        </p>
      ))}
    </section>
  );
}
