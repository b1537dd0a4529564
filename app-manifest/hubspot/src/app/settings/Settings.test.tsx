import { describe, expect, it } from 'vitest';
import { Alert, Button, ErrorState, Link, LoadingButton, LoadingSpinner, NumberInput, StatusTag, Text } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { createBackendApi } from '../shared/backend-api.ts';
import type { Fetcher, SettingsView } from '../shared/backend-api.ts';
import { SettingsPage, validateSettings } from './Settings.tsx';

const ORIGIN = 'https://api.crm-health.test';

const view: SettingsView = {
  connection: { status: 'connected', portalId: '1001', connectedAt: '2026-09-01T00:00:00.000Z', lastSyncAt: '2026-11-02T05:00:00.000Z' },
  modelVersion: 'v7',
  tierThresholds: { healthyMin: 80, atRiskMin: 40 },
  dropAlertPoints: 15,
  webSettingsUrl: 'https://app.crm-health.test/settings',
};

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function backend(getAnswer: () => Response, saveAnswer: (body: Record<string, unknown> | undefined) => Response = () => json(200, view)) {
  const calls: Array<{ url: string; method: string; body: Record<string, unknown> | undefined }> = [];
  const fetcher: Fetcher = async (url, options) => {
    const method = options?.method ?? 'GET';
    calls.push({ url, method, body: options?.body });
    return method === 'GET' ? getAnswer() : saveAnswer(options?.body);
  };
  return { fetcher, calls };
}

/**
 * 0.17.0 types `trigger`'s argument as the handler itself, so a typed value cannot be passed
 * through it; the input's own onChange is what HubSpot calls with the number.
 */
function type(input: { props: { onChange?: (value: number) => void } }, value: number): void {
  input.props.onChange?.(value);
}

function renderPage(fetcher: Fetcher) {
  const renderer = createRenderer('settings');
  renderer.render(<SettingsPage api={createBackendApi(fetcher, ORIGIN)} />);
  return renderer;
}

describe('Settings page', () => {
  it('shows a spinner, then connection status, model version, thresholds and the web settings link', async () => {
    const { fetcher, calls } = backend(() => json(200, view));
    const { find, findByTestId, waitFor, maybeFind } = renderPage(fetcher);
    expect(find(LoadingSpinner)).toBeTruthy();
    await waitFor(() => expect(maybeFind(StatusTag)).not.toBeNull());

    expect(calls).toEqual([{ url: `${ORIGIN}/hubspot/settings`, method: 'GET', body: undefined }]);
    expect(find(StatusTag).props.variant).toBe('success');
    expect(find(StatusTag).text).toBe('Connected');
    expect(findByTestId(Text, 'model-version').text).toBe('v7');
    expect(find(NumberInput, { name: 'healthyMin' }).props.value).toBe(80);
    expect(find(NumberInput, { name: 'atRiskMin' }).props.value).toBe(40);
    expect(find(NumberInput, { name: 'dropAlertPoints' }).props.value).toBe(15);
    expect(find(Link).props.href).toEqual({ url: 'https://app.crm-health.test/settings', external: true });
  });

  it('warns when the connection needs re-authorisation', async () => {
    const { fetcher } = backend(() => json(200, { ...view, connection: { ...view.connection, status: 'needs_reauth' } }));
    const { find, findByTestId, waitFor, maybeFind } = renderPage(fetcher);
    await waitFor(() => expect(maybeFind(StatusTag)).not.toBeNull());
    expect(find(StatusTag).props.variant).toBe('warning');
    expect(findByTestId(Alert, 'reauth').props.title).toBe('Reconnect HubSpot');
  });

  it('saves changed thresholds through the backend and confirms', async () => {
    const { fetcher, calls } = backend(
      () => json(200, view),
      (body) => json(200, { ...view, ...body, modelVersion: 'v8' }),
    );
    const { find, findByTestId, waitFor, maybeFind, maybeFindByTestId } = renderPage(fetcher);
    await waitFor(() => expect(maybeFind(NumberInput)).not.toBeNull());

    type(find(NumberInput, { name: 'healthyMin' }), 75);
    await waitFor(() => expect(find(NumberInput, { name: 'healthyMin' }).props.value).toBe(75));
    type(find(NumberInput, { name: 'dropAlertPoints' }), 10);
    await waitFor(() => expect(find(NumberInput, { name: 'dropAlertPoints' }).props.value).toBe(10));
    findByTestId(LoadingButton, 'save').trigger('onClick');

    await waitFor(() => expect(maybeFindByTestId(Alert, 'save-result')).not.toBeNull());
    expect(calls.at(-1)).toEqual({
      url: `${ORIGIN}/hubspot/settings`,
      method: 'POST',
      body: { tierThresholds: { healthyMin: 75, atRiskMin: 40 }, dropAlertPoints: 10 },
    });
    expect(findByTestId(Alert, 'save-result').props).toMatchObject({ title: 'Settings saved', variant: 'success' });
    expect(findByTestId(Text, 'model-version').text).toBe('v8');
  });

  it('blocks saving when Healthy does not start above At Risk', async () => {
    const { fetcher, calls } = backend(() => json(200, view));
    const { find, findByTestId, waitFor, maybeFind } = renderPage(fetcher);
    await waitFor(() => expect(maybeFind(NumberInput)).not.toBeNull());

    type(find(NumberInput, { name: 'healthyMin' }), 35);
    await waitFor(() => expect(findByTestId(Alert, 'validation').text).toBe('Healthy must start above At Risk.'));
    expect(findByTestId(LoadingButton, 'save').props.disabled).toBe(true);
    findByTestId(LoadingButton, 'save').trigger('onClick');
    expect(calls.filter((c) => c.method === 'POST')).toEqual([]);
  });

  it('shows the backend reason when saving fails', async () => {
    const { fetcher } = backend(
      () => json(200, view),
      () => json(400, { error: { code: 'invalid_request', message: 'healthyMin must be above atRiskMin' } }),
    );
    const { findByTestId, waitFor, maybeFindByTestId } = renderPage(fetcher);
    await waitFor(() => expect(maybeFindByTestId(LoadingButton, 'save')).not.toBeNull());
    findByTestId(LoadingButton, 'save').trigger('onClick');
    await waitFor(() => expect(maybeFindByTestId(Alert, 'save-result')).not.toBeNull());
    expect(findByTestId(Alert, 'save-result').props.title).toBe('Settings not saved');
    expect(findByTestId(Alert, 'save-result').text).toBe('healthyMin must be above atRiskMin');
  });

  it('shows an error state with a retry when settings cannot load', async () => {
    let attempts = 0;
    const { fetcher } = backend(() => {
      attempts += 1;
      return attempts === 1 ? json(404, { error: { code: 'portal_not_connected', message: 'HubSpot portal 1001 is not connected to crm-health.' } }) : json(200, view);
    });
    const { find, findByTestId, waitFor, maybeFind } = renderPage(fetcher);
    await waitFor(() => expect(maybeFind(ErrorState)).not.toBeNull());
    expect(find(ErrorState).find(Text).text).toBe('HubSpot portal 1001 is not connected to crm-health.');
    findByTestId(Button, 'retry').trigger('onClick');
    await waitFor(() => expect(maybeFind(StatusTag)).not.toBeNull());
  });
});

describe('validateSettings', () => {
  it('accepts the guide defaults and rejects out-of-range or fractional points', () => {
    expect(validateSettings({ tierThresholds: { healthyMin: 80, atRiskMin: 40 }, dropAlertPoints: 15 })).toBeNull();
    expect(validateSettings({ tierThresholds: { healthyMin: 101, atRiskMin: 40 }, dropAlertPoints: 15 })).toMatch(/between 1 and 100/);
    expect(validateSettings({ tierThresholds: { healthyMin: 80, atRiskMin: 40 }, dropAlertPoints: 2.5 })).toMatch(/whole points/);
  });
});
