import { describe, expect, it } from 'vitest';
import { advertiseUrlOption, advertisedTrackingUrl, externalAddress } from './advertise-url.js';

describe('--advertise-url', () => {
  it('takes an http(s) URL and drops a trailing slash', () => {
    expect(advertiseUrlOption('http://tracking.example:5000/')).toBe('http://tracking.example:5000');
    expect(advertiseUrlOption('https://proxy.example/mldesk/')).toBe('https://proxy.example/mldesk');
  });

  it('refuses other schemes, credentials, queries and non-URLs, saying why', () => {
    expect(() => advertiseUrlOption('redis://x:6379')).toThrow(/must start with http:\/\/ or https:\/\//);
    expect(() => advertiseUrlOption('http://ops:secret@x:5000')).toThrow(/must not carry a user or password/);
    expect(() => advertiseUrlOption('http://x:5000/?token=1')).toThrow(/must not have a query or fragment/);
    expect(() => advertiseUrlOption('x:5000')).toThrow(/must start with http/);
    expect(() => advertiseUrlOption('not a url')).toThrow(/is not a URL/);
  });

  it('defaults to the bind address, and for a wildcard bind to an external address of this machine', () => {
    expect(advertisedTrackingUrl('10.1.2.3', 5000, undefined)).toBe('http://10.1.2.3:5000');
    expect(advertisedTrackingUrl('fd00::7', 5000, undefined)).toBe('http://[fd00::7]:5000');
    expect(advertisedTrackingUrl('0.0.0.0', 5000, 'https://given.example')).toBe('https://given.example');
    const wildcard = new URL(advertisedTrackingUrl('0.0.0.0', 5000, undefined));
    expect(wildcard.hostname.replace(/^\[|\]$/g, '')).toBe(externalAddress() ?? '127.0.0.1');
    expect(wildcard.port).toBe('5000');
  });
});
