import { describe, expect, it } from 'vitest';
import { matchingTokenName, parseTokenSpec, tokenSetProblem } from './http-auth.js';

describe('token specs', () => {
  it('reads NAME=SECRET, and a bare secret is named "token"', () => {
    expect(parseTokenSpec('ana=s3cret')).toEqual({ name: 'ana', secret: 's3cret' });
    expect(parseTokenSpec('ci-bot.1=a=b')).toEqual({ name: 'ci-bot.1', secret: 'a=b' });
    expect(parseTokenSpec('s3cret')).toEqual({ name: 'token', secret: 's3cret' });
  });

  it('keeps base64 padding and names that cannot be names as part of a bare secret', () => {
    expect(parseTokenSpec('c2VjcmV0==')).toEqual({ name: 'token', secret: 'c2VjcmV0==' });
    expect(parseTokenSpec('c2VjcmV0=')).toEqual({ name: 'token', secret: 'c2VjcmV0=' });
    expect(parseTokenSpec('a b=c')).toEqual({ name: 'token', secret: 'a b=c' });
    expect(parseTokenSpec('=abc')).toEqual({ name: 'token', secret: '=abc' });
  });

  it('refuses duplicate names, shared secrets and empty secrets, naming the token', () => {
    expect(tokenSetProblem([parseTokenSpec('ana=x1'), parseTokenSpec('bo=x2')])).toBeNull();
    expect(tokenSetProblem([parseTokenSpec('ana=x1'), parseTokenSpec('ana=x2')])).toMatch(/two tokens are named 'ana'/);
    expect(tokenSetProblem([parseTokenSpec('ana=x1'), parseTokenSpec('bo=x1')])).toMatch(/token 'bo' has the same secret/);
    expect(tokenSetProblem([{ name: 'token', secret: ' ' }])).toMatch(/token 'token' has an empty secret/);
  });

  it('finds the name of the matching secret only', () => {
    const tokens = [parseTokenSpec('ana=x1'), parseTokenSpec('bo=x22')];
    expect(matchingTokenName('x22', tokens)).toBe('bo');
    expect(matchingTokenName('x2', tokens)).toBeNull();
    expect(matchingTokenName('', tokens)).toBeNull();
  });
});
