import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  Alert,
  Button,
  DescriptionList,
  DescriptionListItem,
  Divider,
  ErrorState,
  Flex,
  Heading,
  Link,
  LoadingButton,
  LoadingSpinner,
  NumberInput,
  StatusTag,
  Text,
  hubspot,
} from '@hubspot/ui-extensions';
import type { SettingsContext } from '@hubspot/ui-extensions';
import { backendOriginFrom, createBackendApi } from '../shared/backend-api.ts';
import type { BackendApi, BackendError, SettingsUpdate, SettingsView } from '../shared/backend-api.ts';
import { shortDate } from '../shared/format.ts';

type PageState = { kind: 'loading' } | { kind: 'loaded'; view: SettingsView } | { kind: 'error'; error: BackendError };

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'failed'; message: string };

const CONNECTION: Readonly<Record<SettingsView['connection']['status'], { label: string; variant: 'success' | 'warning' | 'danger' }>> = {
  connected: { label: 'Connected', variant: 'success' },
  needs_reauth: { label: 'Needs re-authorisation', variant: 'warning' },
  disconnected: { label: 'Disconnected', variant: 'danger' },
};

/** Same rules the backend enforces; checked here so the admin sees them before saving. */
export function validateSettings(form: SettingsUpdate): string | null {
  const values = [form.tierThresholds.healthyMin, form.tierThresholds.atRiskMin, form.dropAlertPoints];
  if (values.some((v) => !Number.isInteger(v) || v < 1 || v > 100)) return 'Thresholds are whole points between 1 and 100.';
  if (form.tierThresholds.healthyMin <= form.tierThresholds.atRiskMin) return 'Healthy must start above At Risk.';
  return null;
}

function formFrom(view: SettingsView): SettingsUpdate {
  return { tierThresholds: { ...view.tierThresholds }, dropAlertPoints: view.dropAlertPoints };
}

export function SettingsPage({ api }: { api: BackendApi }) {
  const [state, setState] = useState<PageState>({ kind: 'loading' });
  const [form, setForm] = useState<SettingsUpdate | null>(null);
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });

  const load = useCallback(async () => {
    setState({ kind: 'loading' });
    const result = await api.getSettings();
    if (result.ok) {
      setState({ kind: 'loaded', view: result.data });
      setForm(formFrom(result.data));
    } else {
      setState({ kind: 'error', error: result.error });
    }
  }, [api]);

  useEffect(() => {
    void load();
  }, [load]);

  const problem = form ? validateSettings(form) : null;

  const submit = useCallback(async () => {
    if (!form || validateSettings(form)) return;
    setSave({ kind: 'saving' });
    const result = await api.saveSettings(form);
    if (result.ok) {
      setState({ kind: 'loaded', view: result.data });
      setForm(formFrom(result.data));
      setSave({ kind: 'saved' });
    } else {
      setSave({ kind: 'failed', message: result.error.message });
    }
  }, [api, form]);

  if (state.kind === 'loading' || (state.kind === 'loaded' && !form)) {
    return <LoadingSpinner label="Loading crm-health settings…" layout="centered" />;
  }
  if (state.kind === 'error') {
    return (
      <ErrorState title="Settings are unavailable" testId="load-error">
        <Text>{state.error.message}</Text>
        <Button onClick={() => void load()} testId="retry">
          Try again
        </Button>
      </ErrorState>
    );
  }
  const { view } = state;
  const current = form ?? formFrom(view);
  const connection = CONNECTION[view.connection.status];
  const update = (patch: Partial<SettingsUpdate['tierThresholds']> & { dropAlertPoints?: number }) => {
    const { dropAlertPoints, ...tiers } = patch;
    setSave({ kind: 'idle' });
    setForm({
      tierThresholds: { ...current.tierThresholds, ...tiers },
      dropAlertPoints: dropAlertPoints ?? current.dropAlertPoints,
    });
  };

  return (
    <Flex direction="column" gap="md">
      <Heading>Connection</Heading>
      <DescriptionList direction="row">
        <DescriptionListItem label="Status">
          <StatusTag variant={connection.variant} testId="connection-status">
            {connection.label}
          </StatusTag>
        </DescriptionListItem>
        <DescriptionListItem label="HubSpot account">
          <Text>{view.connection.portalId}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Model version">
          <Text testId="model-version">{view.modelVersion ?? 'Not published yet'}</Text>
        </DescriptionListItem>
        <DescriptionListItem label="Last sync">
          <Text>{view.connection.lastSyncAt ? shortDate(view.connection.lastSyncAt) : 'Not yet'}</Text>
        </DescriptionListItem>
      </DescriptionList>
      {view.connection.status === 'needs_reauth' ? (
        <Alert title="Reconnect HubSpot" variant="warning" testId="reauth">
          crm-health lost access to this account, so scores are not updating. Reinstall the app from the marketplace listing to reconnect.
        </Alert>
      ) : null}
      <Divider />
      <Heading>Tiers and alerts</Heading>
      <NumberInput
        name="healthyMin"
        label="Healthy from (score)"
        value={current.tierThresholds.healthyMin}
        min={1}
        max={100}
        precision={0}
        onChange={(value) => update({ healthyMin: value })}
      />
      <NumberInput
        name="atRiskMin"
        label="At Risk from (score); below is Critical"
        value={current.tierThresholds.atRiskMin}
        min={1}
        max={100}
        precision={0}
        onChange={(value) => update({ atRiskMin: value })}
      />
      <NumberInput
        name="dropAlertPoints"
        label="Drop alert (points lost between two scoring runs)"
        description="A drop larger than this leaves a trace on the company timeline."
        value={current.dropAlertPoints}
        min={1}
        max={100}
        precision={0}
        onChange={(value) => update({ dropAlertPoints: value })}
      />
      {problem ? (
        <Alert title="Check the thresholds" variant="error" testId="validation">
          {problem}
        </Alert>
      ) : null}
      {save.kind === 'saved' ? (
        <Alert title="Settings saved" variant="success" testId="save-result">
          {`Scores use model ${view.modelVersion ?? '—'} from the next scoring run.`}
        </Alert>
      ) : null}
      {save.kind === 'failed' ? (
        <Alert title="Settings not saved" variant="error" testId="save-result">
          {save.message}
        </Alert>
      ) : null}
      <Flex direction="row" gap="sm" align="center">
        <LoadingButton variant="primary" loading={save.kind === 'saving'} disabled={problem !== null} onClick={() => void submit()} testId="save">
          Save
        </LoadingButton>
        <Link href={{ url: view.webSettingsUrl, external: true }} testId="web-settings">
          Factors, weights and segments in crm-health
        </Link>
      </Flex>
    </Flex>
  );
}

function SettingsExtension({ context }: { context: SettingsContext }) {
  const origin = backendOriginFrom(context.variables);
  const api = useMemo(() => (origin ? createBackendApi(hubspot.fetch, origin) : null), [origin]);
  if (!api) {
    return (
      <ErrorState title="crm-health is not configured" type="support">
        <Text>The app was uploaded without its BACKEND_ORIGIN profile variable.</Text>
      </ErrorState>
    );
  }
  return <SettingsPage api={api} />;
}

hubspot.extend<'settings'>(({ context }) => <SettingsExtension context={context} />);
