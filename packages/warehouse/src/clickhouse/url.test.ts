import { describe, expect, it } from 'vitest';
import { clickHouseOptionsFromUrl } from './url';

describe('CLICKHOUSE_URL', () => {
  it.each([
    ['http://127.0.0.1:8123', { url: 'http://127.0.0.1:8123', database: 'hourglass' }],
    ['http://127.0.0.1:8123/', { url: 'http://127.0.0.1:8123', database: 'hourglass' }],
    ['http://127.0.0.1:8123/hg_e2e_1', { url: 'http://127.0.0.1:8123', database: 'hg_e2e_1' }],
    [
      'https://ops:s%40cret@ch.example:8443/prod',
      { url: 'https://ch.example:8443', database: 'prod', username: 'ops', password: 's@cret' },
    ],
  ])('%s names the server and the database', (raw, expected) => {
    expect(clickHouseOptionsFromUrl(raw)).toEqual(expected);
  });

  it.each(['not a url', 'http://h:8123/a/b', "http://h:8123/x';DROP"])('rejects %s', (raw) => {
    expect(() => clickHouseOptionsFromUrl(raw)).toThrow(/CLICKHOUSE_URL/);
  });
});
