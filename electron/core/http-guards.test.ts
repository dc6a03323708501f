import { describe, expect, it } from 'vitest';
import { guardRefusal, hostNamesLoopback, isLoopbackAddress, originAllowed, parseHostHeader } from './http-guards.js';

describe('isLoopbackAddress', () => {
  it('accepts localhost, 127.0.0.0/8 and ::1 in their written forms', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '[::ffff:7f00:1]']) {
      expect(isLoopbackAddress(address), address).toBe(true);
    }
  });

  it('refuses names that only look like loopback and every other address', () => {
    for (const address of ['127.evil.example', '127.0.0.1.evil.example', '127.1', 'localhost.evil.example', '0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', 'fe80::1%lo', '', '128.0.0.1']) {
      expect(isLoopbackAddress(address), address).toBe(false);
    }
  });
});

describe('Host headers', () => {
  it('parses names, IPv4 and bracketed IPv6 with an optional port', () => {
    expect(parseHostHeader('127.0.0.1:5000')).toEqual({ hostname: '127.0.0.1', port: 5000 });
    expect(parseHostHeader('[::1]:8500')).toEqual({ hostname: '::1', port: 8500 });
    expect(parseHostHeader('localhost')).toEqual({ hostname: 'localhost', port: undefined });
  });

  it('refuses user info, paths, bare IPv6 and ports out of range', () => {
    for (const value of ['evil@127.0.0.1', '127.0.0.1/x', '::1', '127.0.0.1:70000', '127.0.0.1:', '[evil]:1', '127.0.0.1:5000:1', '']) {
      expect(parseHostHeader(value), value).toBeNull();
    }
  });

  it('names loopback only when the parsed host is loopback', () => {
    expect(hostNamesLoopback('localhost:5000')).toBe(true);
    expect(hostNamesLoopback('[::1]:5000')).toBe(true);
    expect(hostNamesLoopback('evil.test:5000')).toBe(false);
    expect(hostNamesLoopback('127.0.0.1.nip.io:5000')).toBe(false);
    expect(hostNamesLoopback('evil.test@127.0.0.1:5000')).toBe(false);
  });
});

describe('origins', () => {
  it('compares whole origins, never prefixes', () => {
    expect(originAllowed('http://127.0.0.1:5123', '127.0.0.1:5123', 'POST')).toBe(true);
    expect(originAllowed('http://127.0.0.1:51234', '127.0.0.1:5123', 'POST')).toBe(false);
    expect(originAllowed('http://127.0.0.1:5123', '127.0.0.1:51234', 'POST')).toBe(false);
    expect(originAllowed('http://127.0.0.1:5123.evil.test', '127.0.0.1:5123', 'POST')).toBe(false);
    expect(originAllowed('http://localhost:5123', '127.0.0.1:5123', 'POST')).toBe(false);
    expect(originAllowed('ftp://127.0.0.1:5123', '127.0.0.1:5123', 'POST')).toBe(false);
    expect(originAllowed(undefined, '127.0.0.1:5123', 'POST')).toBe(true);
    expect(originAllowed('null', '127.0.0.1:5123', 'GET')).toBe(true);
    expect(originAllowed('null', '127.0.0.1:5123', 'POST')).toBe(false);
  });

  it('refuses a rebound name on a token-less server even when Origin matches Host', () => {
    const request = { method: 'POST', headers: { host: 'evil.test:5000', origin: 'http://evil.test:5000' } };
    expect(guardRefusal(request, { loopbackHostOnly: true })).toMatch(/Host 'evil\.test:5000' refused/);
    expect(guardRefusal(request, { loopbackHostOnly: false })).toBeNull();
  });
});
