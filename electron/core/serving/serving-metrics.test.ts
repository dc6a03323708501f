import { describe, expect, it } from 'vitest';
import { ServingMetrics } from './serving-metrics.js';

const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('ServingMetrics', () => {
  it('counts requests, errors and rows exactly across reads (counted locally, added when read)', async () => {
    const metrics = new ServingMetrics('iris', () => null, () => ['1']);
    for (let i = 0; i < 5; i++) metrics.observe('tfserving', '1', 200, 0.002, 3);
    metrics.observe('invocations', '1', 200, 0.02, 1);
    metrics.observe('tfserving', '1', 400, 0, 0);
    metrics.observe('tfserving', 'none', 503, 0, 0);
    let text = await metrics.text();
    expect(value(text, 'mldesk_serving_requests_total{model="iris",version="1",endpoint="tfserving",code="200"}')).toBe(5);
    expect(value(text, 'mldesk_serving_requests_total{model="iris",version="1",endpoint="invocations",code="200"}')).toBe(1);
    expect(value(text, 'mldesk_serving_requests_total{model="iris",version="1",endpoint="tfserving",code="400"}')).toBe(1);
    expect(value(text, 'mldesk_serving_errors_total{model="iris",version="1",endpoint="tfserving",code="400"}')).toBe(1);
    expect(value(text, 'mldesk_serving_errors_total{model="iris",version="none",endpoint="tfserving",code="503"}')).toBe(1);
    expect(value(text, 'mldesk_serving_errors_total{model="iris",version="1",endpoint="tfserving",code="200"}')).toBeUndefined();
    expect(value(text, 'mldesk_serving_rows_total{model="iris",version="1"}')).toBe(16);
    expect(value(text, 'mldesk_serving_request_duration_seconds_count{model="iris",version="1"}')).toBe(6);
    expect(value(text, 'mldesk_serving_request_duration_seconds_bucket{le="0.0025",model="iris",version="1"}')).toBe(5);

    // A second read adds nothing twice; what came since is added.
    text = await metrics.text();
    expect(value(text, 'mldesk_serving_requests_total{model="iris",version="1",endpoint="tfserving",code="200"}')).toBe(5);
    metrics.observe('tfserving', '1', 200, 0.002, 2);
    metrics.observe('tfserving', '1', 400, 0, 0);
    text = await metrics.text();
    expect(value(text, 'mldesk_serving_requests_total{model="iris",version="1",endpoint="tfserving",code="200"}')).toBe(6);
    expect(value(text, 'mldesk_serving_errors_total{model="iris",version="1",endpoint="tfserving",code="400"}')).toBe(2);
    expect(value(text, 'mldesk_serving_rows_total{model="iris",version="1"}')).toBe(18);
  });
});
