import { useEffect, useState, type ReactNode } from 'react';
import type { BundleViewInfo } from '../../../shared/app-api/bundle-view';
import { call } from '../api/app-client';

/**
 * Bundle mode: the app runs over a bundle opened read-only (`mldesk bundle open`, File → Open).
 * The banner says so on every page; controls that write carry `data-writes` and are hidden by the
 * `.app[data-read-only]` rule in styles.css (the server refuses those writes anyway).
 */

type Loaded = { info: BundleViewInfo; error: null } | { info: null; error: string };

let loading: Promise<Loaded> | null = null;

function loadBundleInfo(): Promise<Loaded> {
  loading ??= call('bundle.info', {}).then(
    ({ bundle }) => ({ info: bundle, error: null }),
    (error: unknown) => ({ info: null, error: (error as Error).message }),
  );
  return loading;
}

/** The opened bundle (null over a normal data dir), or undefined until bundle.info has answered. */
export function useBundleInfo(): BundleViewInfo | undefined {
  const [info, setInfo] = useState<BundleViewInfo | undefined>(undefined);
  useEffect(() => {
    let live = true;
    // The artifact check runs in the background: poll until it has finished, then keep the verdict.
    const refresh = async (): Promise<void> => {
      const loaded = await loadBundleInfo();
      if (!live) return;
      setInfo(loaded.info);
      const artifacts = loaded.info?.artifacts;
      if (artifacts && artifacts.checked < artifacts.total) {
        setTimeout(() => {
          loading = null;
          void refresh();
        }, 1000);
      }
    };
    void refresh();
    return () => {
      live = false;
    };
  }, []);
  return info;
}

/** True when the app shows a bundle: pages hide what would write. */
export function useReadOnly(): boolean {
  return !!useBundleInfo();
}

const shortFingerprint = (fingerprint: string) => `${fingerprint.slice(0, 'SHA256:'.length + 10)}…`;

function integrityText(info: NonNullable<BundleViewInfo>): string {
  if (info.integrity === 'failed') return 'integrity check FAILED';
  const { check, checked, total } = info.artifacts;
  if (check === 'before-serving' || total === 0) return 'integrity verified';
  if (checked < total) return `signature and store verified · artifacts checked as they are opened (${checked}/${total})`;
  return 'integrity verified (artifacts checked as they were opened)';
}

/**
 * The bundle banner, on every page in bundle mode: file, signer, trust and integrity. `children`
 * render in its panel slot (the review panel mounts there); nothing renders over a normal data dir.
 */
export function BundleBanner({ children }: { children?: ReactNode }) {
  const info = useBundleInfo();
  if (!info) return null;
  const created = new Date(info.createdTime).toLocaleString();
  return (
    <section className={`bundle-banner${info.integrity === 'failed' ? ' bundle-banner-failed' : ''}`} data-testid="bundle-banner" aria-label="Opened bundle">
      <div className="bundle-banner-line">
        <span className="bundle-banner-badge">Read-only bundle</span>
        <span className="bundle-banner-text">
          Bundle <strong>{info.fileName}</strong> · signed by <strong>{info.signer.name}</strong>{' '}
          <code title={info.signer.fingerprint}>({shortFingerprint(info.signer.fingerprint)})</code> ·{' '}
          {info.trusted ? (
            <span className="bundle-trusted">trusted as {info.trustedName}</span>
          ) : (
            <span className="bundle-untrusted" title="Its key is not in your trusted keys (mldesk keys trust)">
              not trusted
            </span>
          )}{' '}
          · <span className={info.integrity === 'failed' ? 'bundle-integrity-failed' : 'bundle-integrity'}>{integrityText(info)}</span>
          <span className="muted"> · created {created}</span>
        </span>
      </div>
      {info.problem && <p className="bundle-banner-problem">{info.problem}</p>}
      <div className="bundle-banner-slot" data-testid="bundle-banner-slot">
        {children}
      </div>
    </section>
  );
}
