import { describe, expect, it } from 'vitest';
import { REVIEW_LIMITS, ReviewDocumentSchema, describeIssues, formatTarget, parseCommentSpec, parseTargetSpec } from './reviews.js';

const RUN = '0123456789abcdef0123456789abcdef';
const doc = (over: Record<string, unknown> = {}) => ({
  format: 'mldesk-review',
  formatVersion: 1,
  bundle: { manifestSha256: 'a'.repeat(64), signerFingerprint: `SHA256:${'A'.repeat(43)}`, experiments: ['e'] },
  reviewer: { name: 'Bob' },
  decision: 'approve',
  versionDecisions: [],
  comments: [{ target: { kind: 'run', runId: RUN }, text: 'ok', time: 1 }],
  createdTime: 1,
  ...over,
});

describe('review targets', () => {
  it('parses the four kinds; metric keys and artifact paths keep their slashes, a model name may hold one', () => {
    expect(parseTargetSpec(`run:${RUN}`)).toEqual({ kind: 'run', runId: RUN });
    expect(parseTargetSpec(`metric:${RUN}/system/cpu_percent`)).toEqual({ kind: 'metric', runId: RUN, key: 'system/cpu_percent', step: null });
    expect(parseTargetSpec(`metric:${RUN}/loss@40`)).toEqual({ kind: 'metric', runId: RUN, key: 'loss', step: 40 });
    expect(parseTargetSpec(`artifact:${RUN}/plots/a b.png`)).toEqual({ kind: 'artifact', runId: RUN, path: 'plots/a b.png' });
    expect(parseTargetSpec('version:team/iris/12')).toEqual({ kind: 'version', name: 'team/iris', version: '12', runId: null });
    for (const spec of [`run:${RUN}`, `metric:${RUN}/loss@3`, `artifact:${RUN}/m/x.json`, 'version:iris/2']) expect(formatTarget(parseTargetSpec(spec))).toBe(spec);
  });

  it('refuses bad targets, naming what is wrong', () => {
    expect(() => parseTargetSpec('experiment:1')).toThrow(/unknown kind 'experiment'/);
    expect(() => parseTargetSpec(RUN)).toThrow(/has no kind/);
    expect(() => parseTargetSpec(`artifact:${RUN}/../etc/passwd`)).toThrow(/path: must be a relative path/);
    expect(() => parseTargetSpec(`artifact:${RUN}//abs`)).toThrow(/path: must be a relative path/);
    expect(() => parseTargetSpec('version:iris/v1')).toThrow(/version: must be a version number/);
    expect(() => parseTargetSpec(`metric:${RUN}`)).toThrow(/needs <runId>\/<key>/);
    expect(() => parseTargetSpec('run:a;b')).toThrow(/runId: must be a run id/);
  });

  it('splits TARGET=TEXT at the first =, and checks the text', () => {
    expect(parseCommentSpec(`run:${RUN}=a = b`)).toEqual({ target: { kind: 'run', runId: RUN }, text: 'a = b' });
    expect(() => parseCommentSpec(`run:${RUN}`)).toThrow(/has no '='/);
    expect(() => parseCommentSpec(`run:${RUN}=  `)).toThrow(/text after '=' is empty/);
    expect(() => parseCommentSpec(`run:${RUN}=${'x'.repeat(REVIEW_LIMITS.textChars + 1)}`)).toThrow(/at most 4000 are allowed/);
  });
});

describe('review document', () => {
  it('accepts a valid review and names the field of each problem', () => {
    expect(ReviewDocumentSchema.safeParse(doc()).success).toBe(true);
    const long = ReviewDocumentSchema.safeParse(doc({ comments: [{ target: { kind: 'run', runId: RUN }, text: 'x'.repeat(4001), time: 1 }] }));
    expect(long.success || describeIssues(long.error)).toBe('comments[0].text: is at most 4000 characters');
    const many = ReviewDocumentSchema.safeParse(doc({ comments: Array.from({ length: 501 }, () => ({ target: { kind: 'run', runId: RUN }, text: 'x', time: 1 })) }));
    expect(many.success || describeIssues(many.error)).toBe('comments: holds at most 500 comments');
    const twice = ReviewDocumentSchema.safeParse(doc({ versionDecisions: [{ name: 'iris', version: '1', decision: 'approve' }, { name: 'iris', version: '1', decision: 'request_changes' }] }));
    expect(twice.success || describeIssues(twice.error)).toBe('versionDecisions[1]: decides iris version 1 twice');
    const decision = ReviewDocumentSchema.safeParse(doc({ decision: 'lgtm' }));
    expect(decision.success || describeIssues(decision.error)).toMatch(/^decision: /);
  });
});
