import type { ApiHost } from '../../src-shared/api/host';
import { describe, expect, it, vi } from 'vitest';
import {
  handleCall,
  isTrustedSender,
  MAX_SAVE_CHARS,
  parseSaveRequest,
  safeFileName,
  saveDialogFilters,
  saveWithDialog,
} from '../../src-main/electron/ipc-handlers';
import { APP_ORIGIN } from '../../src-main/electron/origin';

// Reliability item 3: a call from a frame that is not ours is refused before any database access.
describe('isTrustedSender', () => {
  it('trusts the main frame showing an app page', () => {
    expect(isTrustedSender('app://runboard/index.html', true, APP_ORIGIN)).toBe(true);
    expect(isTrustedSender('app://runboard/runs/7', true, APP_ORIGIN)).toBe(true);
  });

  it.each([
    ['a subframe of our page', 'app://runboard/index.html', false],
    ['a foreign page in the main frame', 'https://evil.example/', true],
    ['a foreign subframe', 'https://evil.example/frame.html', false],
    ['a file page', 'file:///tmp/evil.html', true],
    ['about:blank', 'about:blank', true],
    ['a data page', 'data:text/html,hi', true],
    ['another app host', 'app://other/index.html', true],
    ['a destroyed or navigated frame', null, true],
    ['an empty url', '', true],
  ] as const)('refuses %s', (_what, url, isMainFrame) => {
    expect(isTrustedSender(url, isMainFrame, APP_ORIGIN)).toBe(false);
  });
});

function fakeApi() {
  const call = vi.fn(async (method: string, input: unknown) => ({ ok: true as const, value: { method, input } }));
  const api: ApiHost = { call: call as unknown as ApiHost['call'], subscribe: () => () => {} };
  return { api, call };
}

describe('handleCall', () => {
  it('refuses an untrusted sender with FORBIDDEN and never touches the API', async () => {
    const { api, call } = fakeApi();
    const result = await handleCall(api, false, 'runs/list', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(call).not.toHaveBeenCalled();
  });

  it.each([['runs/drop'], ['__proto__'], ['constructor'], [42], [null], [{ toString: () => 'runs/list' }]])(
    'refuses an unknown method name %j without calling the API',
    async (method) => {
      const { api, call } = fakeApi();
      const result = await handleCall(api, true, method, {});
      expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(call).not.toHaveBeenCalled();
    },
  );

  it('passes a known method and its untrusted input to api.call, which validates it', async () => {
    const { api, call } = fakeApi();
    const result = await handleCall(api, true, 'runs/get', { run_id: 'x' });
    expect(call).toHaveBeenCalledWith('runs/get', { run_id: 'x' });
    expect(result).toEqual({ ok: true, value: { method: 'runs/get', input: { run_id: 'x' } } });
  });

  it('turns a handler that throws into INTERNAL without leaking its message', async () => {
    const api: ApiHost = { call: (async () => { throw new Error('SQLITE_CORRUPT at /home/me/secret.db'); }) as ApiHost['call'], subscribe: () => () => {} };
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const result = await handleCall(api, true, 'runs/list', {});
    spy.mockRestore();
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(result)).not.toContain('secret');
  });
});

describe('save file', () => {
  it.each([
    ['runs.csv', 'runs.csv'],
    ['../../.bashrc', 'bashrc'],
    ['/etc/passwd', 'passwd'],
    ['C:\\Windows\\win.ini', 'win.ini'],
    ['a<b>c:d"e|f?g*h.json', 'a_b_c_d_e_f_g_h.json'],
    ['tab\there\u0000.csv', 'tab_here_.csv'],
    ['CON.csv', '_CON.csv'],
    ['trailing. . ', 'trailing'],
  ])('reduces the suggested name %j to the bare name %j', (suggested, expected) => {
    expect(safeFileName(suggested)).toBe(expected);
  });

  it('falls back to a name from the MIME type and caps long names, keeping the extension', () => {
    expect(safeFileName('', 'text/csv')).toBe('runboard-export.csv');
    expect(safeFileName('..', 'application/json; charset=utf-8')).toBe('runboard-export.json');
    const long = safeFileName(`${'x'.repeat(500)}.csv`);
    expect(long.length).toBe(200);
    expect(long.endsWith('.csv')).toBe(true);
  });

  it('checks the three untrusted arguments', () => {
    expect(parseSaveRequest('runs.csv', 'a,b\n', 'text/csv')).toEqual({ fileName: 'runs.csv', content: 'a,b\n', mimeType: 'text/csv' });
    expect(() => parseSaveRequest({ path: '/etc' }, 'x', 'text/csv')).toThrow(/suggestedName/);
    const parquet = new Uint8Array([80, 65, 82, 49]);
    expect(parseSaveRequest('runs.parquet', parquet, 'application/vnd.apache.parquet').content).toBe(parquet);
    expect(() => parseSaveRequest('a.csv', { length: 3 }, 'text/csv')).toThrow(/content/);
    expect(() => parseSaveRequest('a.png', new Uint8Array(11), 'image/png', 10)).toThrow(/larger than/);
    expect(() => parseSaveRequest('a.csv', 'x', 7)).toThrow(/mimeType/);
    expect(() => parseSaveRequest('a.csv', 'x'.repeat(11), 'text/csv', 10)).toThrow(/larger than/);
    expect(MAX_SAVE_CHARS).toBe(256 * 1024 * 1024);
  });

  it('filters the dialog by the file type, then all files', () => {
    expect(saveDialogFilters('runs.csv', 'text/csv')).toEqual([
      { name: 'CSV (comma-separated values)', extensions: ['csv'] },
      { name: 'All files', extensions: ['*'] },
    ]);
    expect(saveDialogFilters('runs', 'application/json')[0]).toEqual({ name: 'JSON', extensions: ['json'] });
    expect(saveDialogFilters('runs.ndjson', 'application/octet-stream')[0]).toEqual({ name: 'NDJSON file', extensions: ['ndjson'] });
    expect(saveDialogFilters('chart', 'image/png')[0]).toEqual({ name: 'PNG image', extensions: ['png'] });
    expect(saveDialogFilters('runboard-report-2026-12-08-00-01-02.html', 'text/html')[0]).toEqual({ name: 'HTML report', extensions: ['html'] });
    expect(safeFileName('', 'text/html')).toBe('runboard-export.html');
    expect(saveDialogFilters('runs', 'application/octet-stream')).toEqual([{ name: 'All files', extensions: ['*'] }]);
  });

  it('writes only to the path the user picked in the dialog', async () => {
    const writeFile = vi.fn(async () => {});
    const showSaveDialog = vi.fn(async () => ({ canceled: false, filePath: '/home/me/Desktop/chosen.csv' }));
    const result = await saveWithDialog({ fileName: 'runs.csv', content: 'a,b\n', mimeType: 'text/csv' }, { showSaveDialog, writeFile, defaultDir: '/home/me/Downloads' });
    expect(showSaveDialog).toHaveBeenCalledWith(expect.objectContaining({ defaultPath: '/home/me/Downloads/runs.csv' }));
    expect(writeFile).toHaveBeenCalledWith('/home/me/Desktop/chosen.csv', 'a,b\n');
    expect(result).toEqual({ saved: true, path: '/home/me/Desktop/chosen.csv' });
  });

  it('writes nothing when the user cancels', async () => {
    const writeFile = vi.fn(async () => {});
    const result = await saveWithDialog(
      { fileName: 'runs.csv', content: 'x', mimeType: 'text/csv' },
      { showSaveDialog: async () => ({ canceled: true, filePath: '' }), writeFile, defaultDir: null },
    );
    expect(result).toEqual({ saved: false });
    expect(writeFile).not.toHaveBeenCalled();
  });

  it('rejects with the file system error when the write fails', async () => {
    const failing = async () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    await expect(
      saveWithDialog({ fileName: 'a.csv', content: 'x', mimeType: 'text/csv' }, { showSaveDialog: async () => ({ canceled: false, filePath: '/ro/a.csv' }), writeFile: failing, defaultDir: null }),
    ).rejects.toThrow(/EACCES/);
  });
});
