import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_URL, parseServerUrl } from './server-url.js';

describe('parseServerUrl', () => {
  it.each([
    ['localhost:4000', 'http://localhost:4000'],
    ['  http://127.0.0.1:4000/  ', 'http://127.0.0.1:4000'],
    ['https://tandem.example.com/', 'https://tandem.example.com'],
    ['https://example.com/tandem/', 'https://example.com/tandem'],
    ['HTTPS://Example.COM', 'https://example.com'],
    [DEFAULT_SERVER_URL, DEFAULT_SERVER_URL],
  ])('accepts %j as %j', (input, expected) => {
    expect(parseServerUrl(input)).toEqual({ ok: true, url: expected });
  });

  it.each([
    ['', /Enter the server's address/],
    ['ftp://example.com', /http:\/\/ or https:\/\//],
    ['http://example.com', /Use https:\/\//],
    ['https://bob:secret@example.com', /user name and password/],
    ['https://example.com/?x=1', /query and fragment/],
    ['http://exa mple.com', /not a web address/],
  ])('refuses %j with a message saying what to do', (input, message) => {
    const result = parseServerUrl(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});
