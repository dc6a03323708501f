import { describe, expect, it } from 'vitest';
import { OPERATION_NAMES } from '../../../shared/app-api/operations.js';
import { READ_ONLY_OPERATIONS, isReadRequest, readOnlyHandlers } from './read-only.js';

describe('what a bundle opened read-only answers', () => {
  it('lets reads through: GET and HEAD anywhere, MLflow search POSTs, app operations listed as reads', () => {
    expect(isReadRequest('GET', '/api/2.0/mlflow/runs/get?run_id=x')).toBe(true);
    expect(isReadRequest('HEAD', '/')).toBe(true);
    expect(isReadRequest('POST', '/api/2.0/mlflow/runs/search')).toBe(true);
    expect(isReadRequest('POST', '/ajax-api/2.0/mlflow/experiments/search?x=1')).toBe(true);
    expect(isReadRequest('POST', '/app-api/runs.page')).toBe(true);
    expect(isReadRequest('POST', '/app-api/runs%2Epage')).toBe(true);
  });

  it('refuses everything else, odd spellings included', () => {
    for (const [method, url] of [
      ['POST', '/api/2.0/mlflow/runs/log-batch'],
      ['POST', '/api/2.0/mlflow/runs/search/../../experiments/create'],
      ['POST', '/api/2.0/mlflow/runs%2Fsearch'],
      ['POST', '/API/2.0/mlflow/runs/search'],
      ['PUT', '/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/x'],
      ['DELETE', '/api/2.0/mlflow/registered-models/delete'],
      ['PATCH', '/api/2.0/mlflow/model-versions/update'],
      ['OPTIONS', '/api/2.0/mlflow/runs/search'],
      ['POST', '/app-api/runs.setDescription'],
      ['POST', '/app-api/%72uns.setDescription'],
      ['POST', '/app-api/runs.page/'],
      ['POST', '/app-api/%E0%A4%A'],
      ['POST', '/api/2.0/mldesk/alerts/rules'],
      ['POST', '/logout'],
    ] as const) {
      expect(isReadRequest(method, url), `${method} ${url}`).toBe(false);
    }
  });

  it('lists only operations that exist, and refuses the rest through the handlers too', async () => {
    for (const name of READ_ONLY_OPERATIONS) expect(OPERATION_NAMES).toContain(name);
    const handlers = readOnlyHandlers({ 'runs.page': () => 'page', 'runs.setDescription': () => 'written' });
    expect(handlers['runs.page']()).toBe('page');
    expect(() => handlers['runs.setDescription']()).toThrow(/the bundle is read-only/);
  });
});
