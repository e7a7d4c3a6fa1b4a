import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { DesktopBridge } from '../../src-main/electron/bridge';

// The preload runs only inside Electron; here `electron` is replaced by a recording fake (the real module is never
// loaded), which is enough to pin down what the page can reach (reliability item 1: one API object, nothing else).
const fake = vi.hoisted(() => {
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  return {
    exposed: [] as Array<[string, unknown]>,
    listeners,
    invoke: vi.fn<(channel: string, ...args: unknown[]) => Promise<unknown>>(),
    emit(channel: string, ...args: unknown[]) {
      for (const listener of listeners.get(channel) ?? []) listener(...args);
    },
  };
});

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => fake.exposed.push([key, api]) },
  ipcRenderer: {
    invoke: fake.invoke,
    on(channel: string, listener: (...args: unknown[]) => void) {
      if (!fake.listeners.has(channel)) fake.listeners.set(channel, new Set());
      fake.listeners.get(channel)!.add(listener);
    },
    removeListener(channel: string, listener: (...args: unknown[]) => void) {
      fake.listeners.get(channel)?.delete(listener);
    },
  },
}));

describe('preload', () => {
  let bridge: DesktopBridge;

  beforeAll(async () => {
    await import('../../src-main/electron/preload');
    bridge = fake.exposed[0]![1] as DesktopBridge;
  });

  it('exposes exactly one object, window.runboard, with exactly call, onEvent and saveFile', () => {
    expect(fake.exposed).toHaveLength(1);
    expect(fake.exposed[0]![0]).toBe('runboard');
    expect(Object.keys(bridge).sort()).toEqual(['call', 'onEvent', 'saveFile']);
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function');
  });

  it('call() invokes runboard:call with the method name and input', async () => {
    fake.invoke.mockResolvedValueOnce({ ok: true, value: [] });
    await expect(bridge.call('runs/list', {})).resolves.toEqual({ ok: true, value: [] });
    expect(fake.invoke).toHaveBeenLastCalledWith('runboard:call', 'runs/list', {});
  });

  it('call() never rejects: a transport failure becomes an INTERNAL result', async () => {
    fake.invoke.mockRejectedValueOnce(new Error('An object could not be cloned.'));
    await expect(bridge.call('runs/list', { f: 1 })).resolves.toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringContaining('could not be cloned') } });
  });

  it('onEvent() hands the page the event only, never the IpcRendererEvent, and unsubscribes', () => {
    const seen: unknown[][] = [];
    const unsubscribe = bridge.onEvent((...args: unknown[]) => seen.push(args));
    const ipcEvent = { sender: { invoke: () => {} }, ports: [] };
    const payload = { event: 'run/progressed', payload: { run_id: 1 } };
    fake.emit('runboard:event', ipcEvent, payload);
    expect(seen).toEqual([[payload]]);
    unsubscribe();
    fake.emit('runboard:event', ipcEvent, payload);
    expect(seen).toHaveLength(1);
    expect(fake.listeners.get('runboard:event')?.size ?? 0).toBe(0);
  });

  it('saveFile() sends a name, the content and a MIME type, never a path', async () => {
    fake.invoke.mockResolvedValueOnce({ saved: true, path: '/home/me/runs.csv' });
    await expect(bridge.saveFile('runs.csv', 'a,b\n', 'text/csv')).resolves.toEqual({ saved: true, path: '/home/me/runs.csv' });
    expect(fake.invoke).toHaveBeenLastCalledWith('runboard:save-file', 'runs.csv', 'a,b\n', 'text/csv');
  });
});
