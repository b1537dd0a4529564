import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  Alert,
  Button,
  Divider,
  EmptyState,
  ErrorState,
  Flex,
  Heading,
  LineChart,
  List,
  LoadingButton,
  LoadingSpinner,
  ProgressBar,
  Statistics,
  StatisticsItem,
  StatisticsTrend,
  Tag,
  Text,
  hubspot,
} from '@hubspot/ui-extensions';
import type { CrmContext } from '@hubspot/ui-extensions';
import { backendOriginFrom, createBackendApi } from '../shared/backend-api.ts';
import type { BackendApi, BackendError, HealthDetails } from '../shared/backend-api.ts';
import {
  LIFECYCLE_LABELS,
  TIER_LABELS,
  TIER_TAG_VARIANTS,
  TREND_LABELS,
  listSources,
  percent,
  progressVariant,
  shortDate,
  signedPoints,
} from '../shared/format.ts';

type CardState =
  | { kind: 'loading' }
  | { kind: 'loaded'; details: HealthDetails }
  | { kind: 'not_scored' }
  | { kind: 'error'; error: BackendError };

type RescoreState = { kind: 'idle' } | { kind: 'sending' } | { kind: 'queued'; alreadyPending: boolean } | { kind: 'failed'; message: string };

export interface HealthCardProps {
  companyId: string;
  api: BackendApi;
}

function ScoreHeader({ details }: { details: HealthDetails }) {
  const { score, tier, trend, change30d } = details;
  return (
    <Flex direction="row" gap="md" align="center" wrap>
      <Statistics>
        <StatisticsItem label="Health score" number={score === null ? '—' : String(score)}>
          {change30d !== null && change30d !== 0 ? (
            <StatisticsTrend
              direction={change30d > 0 ? 'increase' : 'decrease'}
              color={change30d > 0 ? 'green' : 'red'}
              value={`${signedPoints(change30d)} pts in 30 days`}
            />
          ) : null}
        </StatisticsItem>
      </Statistics>
      {tier !== null && !details.insufficientData ? (
        <Tag variant={TIER_TAG_VARIANTS[tier]} testId="tier-tag">
          {TIER_LABELS[tier]}
        </Tag>
      ) : null}
      {trend !== null ? <Text testId="trend">{`Trend: ${TREND_LABELS[trend]}`}</Text> : null}
    </Flex>
  );
}

function InsufficientData({ details }: { details: HealthDetails }) {
  const missing = details.missingSources.length > 0 ? `Missing or stale: ${listSources(details.missingSources)}.` : '';
  return (
    <Alert title="Insufficient data" variant="warning" testId="insufficient-data">
      {`Only ${percent(details.confidence)} of the model's weight had fresh data, so no tier is assigned and no tier alerts fire. ${missing}`}
    </Alert>
  );
}

function History({ details }: { details: HealthDetails }) {
  if (details.history.length < 2) {
    return <Text variant="microcopy">Not enough history for a trend line yet.</Text>;
  }
  return (
    <LineChart
      testId="history-chart"
      data={details.history.map((point) => ({ date: point.at, score: point.score }))}
      axes={{ x: { field: 'date', fieldType: 'datetime', label: 'Date' }, y: { field: 'score', fieldType: 'linear', label: 'Score' } }}
      options={{ showLegend: false, showTooltips: true }}
    />
  );
}

function Categories({ details }: { details: HealthDetails }) {
  return (
    <Flex direction="column" gap="xs">
      {details.categories.map((category) =>
        category.score === null ? (
          <Text key={category.key} testId={`category-${category.key}`}>{`${category.label}: no fresh data`}</Text>
        ) : (
          <ProgressBar
            key={category.key}
            testId={`category-${category.key}`}
            title={category.label}
            value={Math.round(category.score)}
            maxValue={100}
            valueDescription={`${Math.round(category.score)} / 100 (weight ${percent(category.weight)})`}
            variant={progressVariant(category.score)}
          />
        ),
      )}
    </Flex>
  );
}

function Drivers({ details }: { details: HealthDetails }) {
  if (details.drivers.length === 0) return <Text variant="microcopy">No single factor moved the score.</Text>;
  const label = new Map(details.categories.map((c) => [c.key, c.label]));
  return (
    <List variant="unordered-styled" testId="drivers">
      {details.drivers.map((driver) => (
        <Text key={`${driver.category}:${driver.description}`}>
          {`${label.get(driver.category) ?? driver.category} ${signedPoints(driver.points)}: ${driver.description}`}
        </Text>
      ))}
    </List>
  );
}

function Plays({ details }: { details: HealthDetails }) {
  if (details.tier === null || details.recommendedPlays.length === 0) return null;
  return (
    <>
      <Heading>{`Recommended plays (${TIER_LABELS[details.tier]})`}</Heading>
      <List variant="unordered-styled" testId="plays">
        {details.recommendedPlays.map((play) => (
          <Text key={play.id}>{play.kind === 'automated' ? `${play.title} (can be automated)` : play.title}</Text>
        ))}
      </List>
    </>
  );
}

function Footer({ details }: { details: HealthDetails }) {
  const parts = [
    details.churnProbability !== null ? `Churn risk ${percent(details.churnProbability)}` : null,
    details.insufficientData ? null : `Confidence ${percent(details.confidence)}`,
    details.lifecycleStage ? LIFECYCLE_LABELS[details.lifecycleStage] : null,
    `Model ${details.modelVersion}`,
    details.scoredAt ? `Scored ${shortDate(details.scoredAt)}` : null,
  ].filter((part): part is string => part !== null);
  return (
    <Text variant="microcopy" testId="footer">
      {parts.join(' · ')}
    </Text>
  );
}

export function HealthCard({ companyId, api }: HealthCardProps) {
  const [state, setState] = useState<CardState>({ kind: 'loading' });
  const [rescore, setRescore] = useState<RescoreState>({ kind: 'idle' });

  const load = useCallback(async () => {
    setState({ kind: 'loading' });
    const result = await api.getHealth(companyId);
    if (result.ok) setState({ kind: 'loaded', details: result.data });
    else if (result.error.code === 'company_not_found') setState({ kind: 'not_scored' });
    else setState({ kind: 'error', error: result.error });
  }, [api, companyId]);

  useEffect(() => {
    void load();
  }, [load]);

  const requestRescore = useCallback(async () => {
    setRescore({ kind: 'sending' });
    const result = await api.rescore(companyId);
    setRescore(result.ok ? { kind: 'queued', alreadyPending: !result.data.queued } : { kind: 'failed', message: result.error.message });
  }, [api, companyId]);

  const rescoreControls = (
    <Flex direction="column" gap="xs">
      {rescore.kind === 'queued' ? (
        <Alert title={rescore.alreadyPending ? 'Rescore already pending' : 'Rescore queued'} variant="success" testId="rescore-result">
          The new score appears here and on the company properties once scoring finishes.
        </Alert>
      ) : null}
      {rescore.kind === 'failed' ? (
        <Alert title="Rescore failed" variant="error" testId="rescore-result">
          {rescore.message}
        </Alert>
      ) : null}
      <Flex direction="row" gap="sm">
        <LoadingButton variant="secondary" loading={rescore.kind === 'sending'} onClick={() => void requestRescore()} testId="rescore">
          Rescore now
        </LoadingButton>
        {rescore.kind === 'queued' ? (
          <Button variant="transparent" onClick={() => void load()} testId="refresh">
            Refresh
          </Button>
        ) : null}
      </Flex>
    </Flex>
  );

  switch (state.kind) {
    case 'loading':
      return <LoadingSpinner label="Loading customer health…" layout="centered" />;
    case 'error':
      return (
        <ErrorState title="Customer health is unavailable" testId="load-error">
          <Text>{state.error.message}</Text>
          <Button onClick={() => void load()} testId="retry">
            Try again
          </Button>
        </ErrorState>
      );
    case 'not_scored':
      return (
        <EmptyState title="Not scored yet" imageName="companies" layout="vertical" testId="not-scored">
          <Text>crm-health has no score for this company yet. It is scored after the next sync, or now:</Text>
          {rescoreControls}
        </EmptyState>
      );
    case 'loaded': {
      const { details } = state;
      return (
        <Flex direction="column" gap="sm">
          <ScoreHeader details={details} />
          {details.insufficientData ? <InsufficientData details={details} /> : null}
          {details.changeFromModelVersion ? (
            <Text variant="microcopy" testId="model-change">{`The 30-day change comes from model ${details.modelVersion}, not from customer activity.`}</Text>
          ) : null}
          <History details={details} />
          <Divider />
          <Heading>Categories</Heading>
          <Categories details={details} />
          <Heading>Top drivers</Heading>
          <Drivers details={details} />
          <Plays details={details} />
          <Divider />
          <Footer details={details} />
          {rescoreControls}
        </Flex>
      );
    }
  }
}

function MissingBackend() {
  return (
    <ErrorState title="crm-health is not configured" type="support">
      <Text>The app was uploaded without its BACKEND_ORIGIN profile variable. Ask your crm-health administrator to redeploy it.</Text>
    </ErrorState>
  );
}

function HealthCardExtension({ context }: { context: CrmContext }) {
  const origin = backendOriginFrom(context.variables);
  // One client per origin: a new object on every render would refetch in a loop.
  const api = useMemo(() => (origin ? createBackendApi(hubspot.fetch, origin) : null), [origin]);
  if (!api) return <MissingBackend />;
  return <HealthCard companyId={String(context.crm.objectId)} api={api} />;
}

hubspot.extend<'crm.record.tab'>(({ context }) => <HealthCardExtension context={context} />);
