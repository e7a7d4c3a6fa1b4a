import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCore, type Core } from '../../src-main/core';
import { LoopbackTracking, ServeTracking } from '../../src-main/interop/mlflow/tracking-server';
import { useCore } from '../helpers/core';
import { useTempDir } from '../helpers/temp';

const newCore = useCore();
const tempDir = useTempDir();
const cores: Core[] = [];
afterEach(async () => {
  for (const core of cores.splice(0)) await core.dispose();
});

/** A desktop core whose tracking switch is the given one. */
async function newCoreWith(trackingServer: () => LoopbackTracking): Promise<{ core: Core }> {
  const core = await openCore({ db: { path: join(tempDir(), 'switch.db'), explicit: true }, host: 'desktop', trackingServer });
  cores.push(core);
  return { core };
}

const call = (origin: string, token: string | null) =>
  fetch(`${origin}/api/2.0/mlflow/experiments/get?experiment_id=0`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});

describe("the desktop app's tracking server", () => {
  it('is off until switched on; then serves MLflow clients on loopback behind its token, and stops when switched off', async () => {
    const { core } = await newCore();
    const file = join(tempDir(), 'tracking-server.json');
    const tracking = new LoopbackTracking(core, file);
    await tracking.resume();
    expect(await tracking.status()).toEqual({ available: true, switchable: true, enabled: false, url: null, lines: [], error: null });

    const on = await tracking.setEnabled(true);
    expect(on.enabled).toBe(true);
    expect(on.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const token = (on.lines[1] as string).split('=')[1] as string;
    expect(on.lines).toEqual([`export MLFLOW_TRACKING_URI=${on.url}`, `export MLFLOW_TRACKING_TOKEN=${token}`]);
    expect((await call(on.url as string, token)).status).toBe(200);
    const refused = await call(on.url as string, null);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error_code: 'UNAUTHENTICATED' });
    expect((await fetch(`${on.url}/`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(404);
    // The token is kept for the user alone.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ enabled: true, token });

    const off = await tracking.setEnabled(false);
    expect(off).toMatchObject({ enabled: false, url: null, lines: [] });
    await expect(call(on.url as string, token)).rejects.toThrow();

    // Switched on again, or after a restart, it is where it was, with the same token: the pasted lines still work.
    await tracking.setEnabled(true);
    await tracking.dispose();
    const restarted = new LoopbackTracking(core, file);
    await restarted.resume();
    const again = await restarted.status();
    expect(again.lines).toEqual(on.lines);
    expect((await call(again.url as string, token)).status).toBe(200);
    await restarted.dispose();
  });

  it('answers through the API: tracking/status and tracking/enable', async () => {
    const file = join(tempDir(), 'tracking-server.json');
    const { core } = await newCore();
    const tracking = new LoopbackTracking(core, file);
    const { core: withSwitch } = await newCoreWith(() => tracking);
    const status = await withSwitch.api.call('tracking/enable', { enabled: true });
    expect(status).toMatchObject({ ok: true, value: { enabled: true } });
    expect(await withSwitch.api.call('tracking/enable', { enabled: false })).toMatchObject({ ok: true, value: { enabled: false } });
    expect(await core.api.call('tracking/status', {})).toEqual({ ok: true, value: { available: false, switchable: false, enabled: false, url: null, lines: [], error: null } });
    expect(await core.api.call('tracking/enable', { enabled: true })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    await tracking.dispose();
  });
});

describe("serve's tracking API", () => {
  it('is always on, on serve\'s own port and token, and cannot be switched off', async () => {
    const tracking = new ServeTracking();
    tracking.listening('http://127.0.0.1:7321', 'a-token-of-sixteen-or-more');
    expect(await tracking.status()).toEqual({
      available: true,
      switchable: false,
      enabled: true,
      url: 'http://127.0.0.1:7321',
      lines: ['export MLFLOW_TRACKING_URI=http://127.0.0.1:7321', 'export MLFLOW_TRACKING_TOKEN=a-token-of-sixteen-or-more'],
      error: null,
    });
    await expect(tracking.setEnabled(false)).rejects.toThrow(/always answers MLflow clients/);
  });
});

