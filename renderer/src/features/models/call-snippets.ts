/**
 * The "Call it" snippets of a deployment: one real row sent to its :predict route, in curl,
 * Python (requests) and JavaScript (fetch), so a copied snippet answers 200 as it is.
 */
export type Cell = string | number | boolean | null;
export type SnippetLanguage = 'curl' | 'python' | 'javascript';
export const SNIPPET_LANGUAGES: { id: SnippetLanguage; label: string }[] = [
  { id: 'curl', label: 'curl' },
  { id: 'python', label: 'Python' },
  { id: 'javascript', label: 'JavaScript' },
];

const predictUrl = (url: string, model: string) => `${url}/v1/models/${encodeURIComponent(model)}:predict`;

/** A shell word in single quotes: a quote inside ends the word, adds an escaped one, and starts again. */
const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

function pythonValue(value: Cell): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  // A JSON string or number literal is a valid Python literal too.
  return JSON.stringify(value);
}

const pythonDict = (row: Record<string, Cell>) => `{${Object.entries(row).map(([k, v]) => `${JSON.stringify(k)}: ${pythonValue(v)}`).join(', ')}}`;

export function callSnippet(language: SnippetLanguage, url: string, model: string, row: Record<string, Cell>): string {
  const target = predictUrl(url, model);
  const body = JSON.stringify({ instances: [row] });
  switch (language) {
    case 'curl':
      return `curl -s ${shellQuote(target)} \\\n  -H 'content-type: application/json' \\\n  -d ${shellQuote(body)}`;
    case 'python':
      return [
        'import requests',
        '',
        `row = ${pythonDict(row)}`,
        `response = requests.post(${JSON.stringify(target)}, json={"instances": [row]})`,
        'response.raise_for_status()',
        'print(response.json()["predictions"][0])',
      ].join('\n');
    case 'javascript':
      return [
        `const row = ${JSON.stringify(row)};`,
        `const response = await fetch(${JSON.stringify(target)}, {`,
        `  method: 'POST',`,
        `  headers: { 'content-type': 'application/json' },`,
        `  body: JSON.stringify({ instances: [row] }),`,
        '});',
        'console.log((await response.json()).predictions[0]);',
      ].join('\n');
  }
}
