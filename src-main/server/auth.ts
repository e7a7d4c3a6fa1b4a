import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../../src-shared/api/errors';

/**
 * The cookie that carries the token after the first visit to the printed URL. Browsers share cookies across the
 * ports of one host, so the name carries the port: two `serve`s on one machine do not overwrite each other's.
 */
export function tokenCookieName(port: number): string {
  return `runboard_token_${port}`;
}

/** Characters a token may hold: safe unescaped in a URL query, a cookie value and a header. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,512}$/;

/** A fresh token: 32 random bytes, base64url (43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Refuses a user-chosen token that is too short to guess-proof or that would need escaping somewhere. */
export function assertUsableToken(token: string): void {
  if (!TOKEN_PATTERN.test(token)) {
    throw new AppError(
      'BAD_INPUT',
      'The serve token must be 16 to 512 characters of A-Z, a-z, 0-9, ".", "_", "~" or "-"; leave it out to get a random one.',
    );
  }
}

/** Checks a presented credential against the token, in time independent of where they differ and of their lengths. */
export class TokenCheck {
  private readonly digest: Buffer;
  private readonly cookieName: string;

  constructor(
    readonly token: string,
    port: number,
  ) {
    this.digest = sha256(token);
    this.cookieName = tokenCookieName(port);
  }

  matches(candidate: string | undefined): boolean {
    if (candidate === undefined) return false;
    return timingSafeEqual(this.digest, sha256(candidate));
  }

  /** Whether the request carries the token in our cookie or as `Authorization: Bearer`. */
  authenticates(request: IncomingMessage): boolean {
    const bearer = bearerToken(request);
    if (bearer !== undefined && this.matches(bearer)) return true;
    return cookieValues(request, this.cookieName).some((value) => this.matches(value));
  }

  /** The `Set-Cookie` value given after a visit to the printed URL. */
  cookie(): string {
    return `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

/** Every value of the named cookie (a browser may send several, e.g. from other paths). */
function cookieValues(request: IncomingMessage, name: string): string[] {
  const header = request.headers.cookie;
  if (!header) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    if (pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}
