import { describe, expect, it } from 'vitest';
import { callSnippet } from './call-snippets';

const ROW = { tenure_months: 19, plan: "o'brien", paperless_billing: false, age: null };

describe('callSnippet', () => {
  it('curl: the body is the row as JSON, quoted for the shell (a quote inside survives)', () => {
    const snippet = callSnippet('curl', 'http://127.0.0.1:8500', 'churn model', ROW);
    expect(snippet.split('\n')[0]).toBe("curl -s 'http://127.0.0.1:8500/v1/models/churn%20model:predict' \\");
    // What the shell hands curl after -d is exactly the JSON body (the e2e spec runs it in a real shell).
    const word = snippet.split('-d ')[1]!;
    expect(word.startsWith("'") && word.endsWith("'")).toBe(true);
    expect(word).toContain(`o'\\''brien`);
    expect(JSON.parse(word.slice(1, -1).replaceAll(`'\\''`, "'"))).toEqual({ instances: [ROW] });
  });

  it('Python: booleans and nulls as Python literals; JavaScript: the row as an object literal', () => {
    expect(callSnippet('python', 'http://127.0.0.1:8500', 'churn', ROW)).toContain(`row = {"tenure_months": 19, "plan": "o'brien", "paperless_billing": False, "age": None}`);
    const js = callSnippet('javascript', 'http://127.0.0.1:8500', 'churn', ROW);
    expect(js).toContain(`const row = ${JSON.stringify(ROW)};`);
    expect(js).toContain('fetch("http://127.0.0.1:8500/v1/models/churn:predict"');
  });
});
