/**
 * `server/auth.ts` on its own: which tokens a user may choose, and exactly which `Authorization` headers and
 * cookies carry the token.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { assertUsableToken, generateToken, TokenCheck, tokenCookieName } from '../../src-main/server/auth';

const TOKEN = 'abcdefghijklmnop-0123456789_~.XYZ';
const check = new TokenCheck(TOKEN, 7321);
const authenticates = (headers: Record<string, string>) => check.authenticates({ headers } as unknown as IncomingMessage);

describe('tokens', () => {
  it('generates 43 URL-safe characters (32 random bytes), different each time, that pass its own check', () => {
    const tokens = [generateToken(), generateToken()];
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(() => assertUsableToken(token)).not.toThrow();
    }
    expect(tokens[0]).not.toBe(tokens[1]);
  });

  it('takes a chosen token of 16 to 512 URL-safe characters', () => {
    for (const token of ['a'.repeat(16), 'a'.repeat(512), 'A-Z_a.z~0123456789']) expect(() => assertUsableToken(token), token).not.toThrow();
  });

  it('refuses a chosen token that is too short, too long, or has a character that would need escaping anywhere in it', () => {
    for (const token of ['a'.repeat(15), 'a'.repeat(513), `${'a'.repeat(16)}!`, `!${'a'.repeat(16)}`, `${'a'.repeat(8)} ${'a'.repeat(8)}`, `${'a'.repeat(16)}\n`, `${'a'.repeat(16)};x`]) {
      expect(() => assertUsableToken(token), JSON.stringify(token)).toThrow(
        'The serve token must be 16 to 512 characters of A-Z, a-z, 0-9, ".", "_", "~" or "-"; leave it out to get a random one.',
      );
    }
  });

  it('names its cookie after the port, and sets it HttpOnly, SameSite=Strict, for the whole site', () => {
    expect(tokenCookieName(8123)).toBe('runboard_token_8123');
    expect(check.cookie()).toBe(`runboard_token_7321=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`);
  });
});

describe('TokenCheck', () => {
  it('matches the token only, and nothing when no token is presented', () => {
    expect(check.matches(TOKEN)).toBe(true);
    expect(check.matches(`${TOKEN}x`)).toBe(false);
    expect(check.matches('')).toBe(false);
    expect(check.matches(undefined)).toBe(false);
  });

  it('takes the token as a bearer credential, however the scheme is cased and spaced', () => {
    for (const header of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER \t ${TOKEN}`, `Bearer ${TOKEN}  `, `Bearer ${TOKEN}\t`]) {
      expect(authenticates({ authorization: header }), JSON.stringify(header)).toBe(true);
    }
  });

  it('refuses a bearer header that carries anything besides the token', () => {
    for (const header of [`Bearer${TOKEN}`, `x Bearer ${TOKEN}`, `Bearer ${TOKEN} extra`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, `Bearer`, '']) {
      expect(authenticates({ authorization: header }), JSON.stringify(header)).toBe(false);
    }
  });

  it('takes the token from its own cookie, among others, trimmed or quoted', () => {
    for (const cookie of [`runboard_token_7321=${TOKEN}`, `theme=dark; runboard_token_7321=${TOKEN}`, ` runboard_token_7321 =  ${TOKEN}  `, `runboard_token_7321="${TOKEN}"`, `runboard_token_7321=wrong; runboard_token_7321=${TOKEN}`]) {
      expect(authenticates({ cookie }), cookie).toBe(true);
    }
  });

  it("refuses another port's cookie, a cookie without a value, and half-quoted values", () => {
    for (const cookie of [`runboard_token_7322=${TOKEN}`, `xrunboard_token_7321=${TOKEN}`, 'runboard_token_7321', `runboard_token_7321="${TOKEN}`, `runboard_token_7321=${TOKEN}"`, `runboard_token_7321=x${TOKEN}"`, 'runboard_token_7321="', '=runboard_token_7321']) {
      expect(authenticates({ cookie }), cookie).toBe(false);
    }
    expect(authenticates({})).toBe(false);
  });

  it('still takes a good cookie when the bearer header is wrong', () => {
    expect(authenticates({ authorization: 'Bearer wrong-token-0000000000', cookie: `runboard_token_7321=${TOKEN}` })).toBe(true);
  });
});
