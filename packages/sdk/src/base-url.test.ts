import { describe, expect, it } from 'vitest';
import { resolveBaseUrlList, resolveBaseUrls } from './base-url.js';

describe('base URLs', () => {
  it('derives http and ws bases from one value, env, or the default', () => {
    expect(resolveBaseUrls('https://api.example.com/')).toEqual({ http: 'https://api.example.com', ws: 'wss://api.example.com' });
    expect(resolveBaseUrls(undefined, { UNPOD_BASE_URL: 'localhost:7700' })).toEqual({ http: 'http://localhost:7700', ws: 'ws://localhost:7700' });
    expect(resolveBaseUrls(undefined, {})).toEqual({ http: 'http://127.0.0.1:7700', ws: 'ws://127.0.0.1:7700' });
  });

  it('takes the first entry of a comma-separated list (a cluster) for single-URL users', () => {
    expect(resolveBaseUrls(undefined, { UNPOD_BASE_URL: ' http://a:1 , http://b:2' }).http).toBe('http://a:1');
  });

  it('lists every node of a cluster, from an array, a string or the env', () => {
    expect(resolveBaseUrlList(['http://a:1', 'wss://b.example']).map((b) => b.ws)).toEqual(['ws://a:1', 'wss://b.example']);
    expect(resolveBaseUrlList('http://a:1,http://b:2').map((b) => b.http)).toEqual(['http://a:1', 'http://b:2']);
    expect(resolveBaseUrlList(undefined, { UNPOD_BASE_URL: 'http://a:1,,http://b:2,' }).map((b) => b.http)).toEqual(['http://a:1', 'http://b:2']);
    expect(resolveBaseUrlList(undefined, {}).map((b) => b.http)).toEqual(['http://127.0.0.1:7700']);
  });

  it('refuses an empty array and blank entries in an array', () => {
    expect(() => resolveBaseUrlList([])).toThrow(TypeError);
    expect(() => resolveBaseUrlList(['http://a:1', ''])).toThrow(/empty entries/);
  });
});
