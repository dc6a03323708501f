import { SigningKeyCard } from './signing-key-card';

/** Settings of this installation (as opposed to a model's or a deployment's). */
export function SettingsPage() {
  return (
    <main className="page settings-page" data-testid="settings-page">
      <div className="page-head">
        <div>
          <h1>Settings</h1>
          <p className="muted">This installation: its signing key and the keys it trusts.</p>
        </div>
      </div>
      <SigningKeyCard />
    </main>
  );
}
