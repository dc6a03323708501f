/**
 * The page a browser signs in with on a token server: plain HTML and a stylesheet of its own (no
 * script, no inline style), so it works under the strictest CSP. It follows the OS light/dark
 * choice with the app's colours.
 */

/** Sent with the page and its stylesheet: nothing but our own stylesheet loads, the form posts here only. */
export const LOGIN_CSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function loginPage(error?: string): string {
  const alert = error ? `\n      <p class="error" role="alert" id="login-error">${escapeHtml(error)}</p>` : '';
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Sign in · MLDesk</title>
    <link rel="stylesheet" href="/login.css">
  </head>
  <body>
    <main class="card">
      <p class="brand">MLDesk</p>
      <h1>Sign in</h1>
      <p class="intro">This server asks for the token it was started with. Open the login URL it printed at start, or paste the token here.</p>${alert}
      <form method="post" action="/login">
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" spellcheck="false" required autofocus${error ? ' aria-describedby="login-error" aria-invalid="true"' : ''}>
        <button type="submit">Sign in</button>
      </form>
      <p class="hint">MLflow clients send the token as <code>Authorization: Bearer &lt;token&gt;</code> (<code>MLFLOW_TRACKING_TOKEN</code>).</p>
    </main>
  </body>
</html>
`;
}

export const LOGIN_CSS = `:root {
  --bg: #f6f7f9; --panel: #ffffff; --text: #1b2130; --muted: #667085; --border: #e4e7ec;
  --accent: #3b5bdb; --accent-text: #ffffff; --danger: #c4320a; --danger-soft: #fef3f2; --focus: #3b5bdb66;
  --shadow: 0 1px 2px #1018280d, 0 1px 3px #1018281a;
  --mono: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
  font-family: Inter, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  font-size: 14px; color: var(--text); background: var(--bg); color-scheme: light;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1117; --panel: #171a22; --text: #e5e7eb; --muted: #98a2b3; --border: #2a2f3a;
    --accent: #7c93ff; --accent-text: #0f1117; --danger: #f97066; --danger-soft: #3a1d1b; --focus: #7c93ff66;
    --shadow: none; color-scheme: dark;
  }
}
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center; padding: 24px; background: var(--bg); }
.card { width: 100%; max-width: 380px; background: var(--panel); border: 1px solid var(--border); border-radius: 8px; box-shadow: var(--shadow); padding: 28px; }
.brand { margin: 0 0 18px; font-weight: 700; font-size: 16px; letter-spacing: 0.01em; color: var(--accent); }
h1 { margin: 0 0 8px; font-size: 20px; }
.intro, .hint { color: var(--muted); font-size: 13px; line-height: 1.5; }
.intro { margin: 0 0 18px; }
.hint { margin: 18px 0 0; }
code { font-family: var(--mono); font-size: 12px; white-space: nowrap; }
form { display: flex; flex-direction: column; gap: 8px; }
label { font-weight: 600; font-size: 13px; }
input { font: inherit; color: var(--text); background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 8px 10px; }
input[aria-invalid='true'] { border-color: var(--danger); }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 1px; }
button { margin-top: 8px; padding: 8px 12px; border: 1px solid var(--accent); border-radius: 6px; background: var(--accent); color: var(--accent-text); font: inherit; font-weight: 600; cursor: pointer; }
button:hover { filter: brightness(1.08); }
.error { margin: 0 0 16px; padding: 8px 10px; border-radius: 6px; background: var(--danger-soft); color: var(--danger); font-size: 13px; }
`;
