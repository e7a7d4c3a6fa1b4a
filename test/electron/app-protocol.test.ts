import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SCHEME_PRIVILEGES, contentTypeFor, CONTENT_SECURITY_POLICY, createAppProtocolHandler, resolveAppPath } from '../../src-main/electron/app-protocol';

describe('resolveAppPath', () => {
  const root = '/opt/runboard/out/renderer';

  it('maps app URLs to files under the renderer folder, / to index.html', () => {
    expect(resolveAppPath('app://runboard/', root)).toEqual({ ok: true, path: `${root}/index.html` });
    expect(resolveAppPath('app://runboard/index.html', root)).toEqual({ ok: true, path: `${root}/index.html` });
    expect(resolveAppPath('app://runboard/assets/index-abc123.js?v=1#x', root)).toEqual({ ok: true, path: `${root}/assets/index-abc123.js` });
    expect(resolveAppPath('app://runboard/assets/my%20font.woff2', root)).toEqual({ ok: true, path: `${root}/assets/my font.woff2` });
  });

  // The path-traversal spellings that bypassed MLflow's checks (reliability item 10).
  it.each([
    'app://runboard/../../../etc/passwd',
    'app://runboard/%2e%2e/%2e%2e/etc/passwd',
    'app://runboard/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    'app://runboard/assets/..%2f..%2f..%2fetc/passwd',
    'app://runboard/..%5c..%5cetc%5cpasswd',
    'app://runboard/..\\..\\etc\\passwd',
    'app://runboard/assets/%00.js',
    'app://runboard/C:/Windows/win.ini',
    'app://runboard/%E0%A4%A',
  ])('never leaves the renderer folder: %s', (url) => {
    const result = resolveAppPath(url, root);
    if (result.ok) {
      expect(path.relative(root, result.path).startsWith('..')).toBe(false);
    } else {
      expect([400, 403]).toContain(result.status);
    }
  });

  it('treats a double-encoded dot as a literal name, not as ..', () => {
    expect(resolveAppPath('app://runboard/%252e%252e/etc/passwd', root)).toEqual({ ok: true, path: `${root}/%2e%2e/etc/passwd` });
  });

  it('refuses URLs of another origin', () => {
    expect(resolveAppPath('app://evil/index.html', root)).toMatchObject({ ok: false, status: 403 });
    expect(resolveAppPath('file:///etc/passwd', root)).toMatchObject({ ok: false, status: 403 });
  });

  it('applies the same rules with Windows paths', () => {
    const winRoot = 'C:\\Program Files\\Runboard\\resources\\app.asar\\out\\renderer';
    expect(resolveAppPath('app://runboard/assets/a.js', winRoot, undefined, path.win32)).toEqual({ ok: true, path: `${winRoot}\\assets\\a.js` });
    for (const url of ['app://runboard/..%5c..%5cwin.ini', 'app://runboard/C:%5cWindows', 'app://runboard/D:/x', 'app://runboard/x/..%5c..%5c..%5cy']) {
      expect(resolveAppPath(url, winRoot, undefined, path.win32).ok).toBe(false);
    }
    // The URL parser itself folds `%2e%2e` into `..` and drops it, so this stays inside the folder.
    expect(resolveAppPath('app://runboard/%2e%2e/x', winRoot, undefined, path.win32)).toEqual({ ok: true, path: `${winRoot}\\x` });
  });
});

describe('app:// responses', () => {
  let root: string;
  let handler: (request: Request) => Promise<Response>;

  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'runboard-renderer-'));
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Runboard</title>');
    writeFileSync(path.join(root, 'assets', 'index.js'), 'console.log(1)');
    writeFileSync(path.join(root, 'assets', 'style.css'), 'body{}');
    writeFileSync(path.join(path.dirname(root), `${path.basename(root)}-secret.txt`), 'secret');
    handler = createAppProtocolHandler({ rootDir: root });
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(path.join(path.dirname(root), `${path.basename(root)}-secret.txt`), { force: true });
  });

  it('serves the page with a strict Content-Security-Policy and nosniff', async () => {
    const response = await handler(new Request('app://runboard/index.html'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = response.headers.get('content-security-policy')!;
    for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "connect-src 'self'"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toMatch(/script-src[^;]*unsafe-(inline|eval)/);
    expect(await response.text()).toContain('<title>Runboard</title>');
  });

  it('serves scripts and styles with their MIME types (module scripts need them)', async () => {
    expect((await handler(new Request('app://runboard/assets/index.js'))).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await handler(new Request('app://runboard/assets/style.css'))).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('x.wasm')).toBe('application/wasm');
    expect(contentTypeFor('x.unknown')).toBe('application/octet-stream');
  });

  it('answers client-side routes with the page, a missing asset with 404', async () => {
    const route = await handler(new Request('app://runboard/runs/12'));
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>Runboard</title>');
    expect((await handler(new Request('app://runboard/assets/missing.js'))).status).toBe(404);
  });

  it('does not serve a sibling file through traversal', async () => {
    const name = `${path.basename(root)}-secret.txt`;
    for (const url of [`app://runboard/../${name}`, `app://runboard/%2e%2e/${name}`, `app://runboard/%2e%2e%2f${name}`]) {
      const response = await handler(new Request(url));
      expect(await response.text()).not.toBe('secret');
    }
  });

  it('accepts GET and HEAD only', async () => {
    expect((await handler(new Request('app://runboard/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
    const head = await handler(new Request('app://runboard/index.html', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('registers the scheme as standard and secure, without bypassing CSP', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ standard: true, secure: true });
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('bypassCSP');
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('allowServiceWorkers');
    expect(CONTENT_SECURITY_POLICY).not.toContain('*');
  });
});
