import { describe, expect, it } from 'vitest';
import {
  Alert,
  Button,
  EmptyState,
  ErrorState,
  LineChart,
  List,
  LoadingButton,
  LoadingSpinner,
  ProgressBar,
  StatisticsItem,
  StatisticsTrend,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import type { RenderedElementNode } from '@hubspot/ui-extensions/testing';
import { createBackendApi } from '../shared/backend-api.ts';
import type { Fetcher, HealthDetails } from '../shared/backend-api.ts';
import { HealthCard } from './HealthCard.tsx';

const ORIGIN = 'https://api.crm-health.test';

interface Call {
  url: string;
  method: string;
  body: Record<string, unknown> | undefined;
}

/** Stands in for `hubspot.fetch`: answers by route and records every call. */
function fakeFetch(routes: Record<string, () => Response | Promise<Response>>) {
  const calls: Call[] = [];
  const fetcher: Fetcher = async (url, options) => {
    const method = options?.method ?? 'GET';
    calls.push({ url, method, body: options?.body });
    const path = new URL(url).pathname;
    const route = routes[`${method} ${path}`];
    if (!route) throw new Error(`unexpected ${method} ${path}`);
    return route();
  };
  return { fetcher, calls };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const categories: HealthDetails['categories'] = [
  { key: 'product_usage', label: 'Product Usage', score: 92, weight: 0.4 },
  { key: 'engagement', label: 'Engagement', score: 85, weight: 0.3 },
  { key: 'business_outcomes', label: 'Business Outcomes', score: 70, weight: 0.2 },
  { key: 'contract_health', label: 'Contract Health', score: null, weight: 0.1 },
];

const healthy: HealthDetails = {
  companyId: '501',
  score: 87,
  tier: 'healthy',
  trend: 'improving',
  change30d: 6,
  changeFromModelVersion: false,
  categories,
  confidence: 0.9,
  insufficientData: false,
  missingSources: [],
  drivers: [
    { category: 'product_usage', points: 9, description: 'weekly active users 94% of seats' },
    { category: 'engagement', points: 3, description: 'QBR attended this month' },
  ],
  history: [
    { at: '2026-09-01T00:00:00.000Z', score: 78 },
    { at: '2026-10-01T00:00:00.000Z', score: 81 },
    { at: '2026-11-01T00:00:00.000Z', score: 87 },
  ],
  churnProbability: 0.04,
  modelVersion: 'v7',
  lifecycleStage: 'maturity',
  scoredAt: '2026-11-02T06:00:00.000Z',
  recommendedPlays: [
    { id: 'healthy.expansion', title: 'Focus on expansion opportunities', kind: 'manual' },
    { id: 'healthy.qbr', title: 'Schedule quarterly business reviews', kind: 'automated' },
  ],
};

const critical: HealthDetails = {
  ...healthy,
  score: 31,
  tier: 'critical',
  trend: 'declining',
  change30d: -33,
  drivers: [
    { category: 'product_usage', points: -14, description: 'weekly active users 21% of seats' },
    { category: 'engagement', points: -8, description: 'no reply to the last 5 emails' },
  ],
  churnProbability: 0.47,
  lifecycleStage: 'renewal',
  recommendedPlays: [
    { id: 'critical.exec-escalation', title: 'Executive escalation', kind: 'manual' },
    { id: 'critical.urgent-ticket', title: 'Create urgent support tickets', kind: 'automated' },
  ],
};

const insufficient: HealthDetails = {
  ...healthy,
  score: 55,
  tier: null,
  trend: null,
  change30d: null,
  confidence: 0.35,
  insufficientData: true,
  missingSources: ['usage', 'billing'],
  drivers: [],
  history: [{ at: '2026-11-01T00:00:00.000Z', score: 55 }],
  churnProbability: null,
  recommendedPlays: [],
};

/** `.text` holds only an element's own text, so list items are read one by one. */
function itemsOf(list: Pick<RenderedElementNode, 'findAll'>): (string | null)[] {
  return list.findAll(Text).map((item) => item.text);
}

function renderCard(fetcher: Fetcher) {
  const renderer = createRenderer('crm.record.tab');
  renderer.render(<HealthCard companyId="501" api={createBackendApi(fetcher, ORIGIN)} />);
  return renderer;
}

describe('HealthCard', () => {
  it('shows a spinner while the health details load', () => {
    const { fetcher } = fakeFetch({ 'GET /hubspot/card': () => new Promise<Response>(() => {}) });
    const { find } = renderCard(fetcher);
    expect(find(LoadingSpinner).props.label).toMatch(/Loading customer health/);
  });

  it('asks the backend for this company through hubspot.fetch', async () => {
    const { fetcher, calls } = fakeFetch({ 'GET /hubspot/card': () => json(200, healthy) });
    const { waitFor, find } = renderCard(fetcher);
    await waitFor(() => expect(find(StatisticsItem).props.number).toBe('87'));
    expect(calls).toEqual([{ url: `${ORIGIN}/hubspot/card?companyId=501`, method: 'GET', body: undefined }]);
  });

  it('renders a healthy company: green tier tag, upward trend, sparkline, category bars, drivers and plays', async () => {
    const { fetcher } = fakeFetch({ 'GET /hubspot/card': () => json(200, healthy) });
    const { waitFor, find, findAll, findByTestId, maybeFind } = renderCard(fetcher);
    await waitFor(() => expect(maybeFind(Tag)).not.toBeNull());

    expect(find(Tag).props.variant).toBe('success');
    expect(find(Tag).text).toBe('Healthy');
    expect(find(StatisticsTrend).props).toMatchObject({ direction: 'increase', color: 'green', value: '+6 pts in 30 days' });
    expect(findByTestId(Text, 'trend').text).toBe('Trend: Improving');

    const chart = find(LineChart);
    expect(chart.props.data).toEqual([
      { date: '2026-09-01T00:00:00.000Z', score: 78 },
      { date: '2026-10-01T00:00:00.000Z', score: 81 },
      { date: '2026-11-01T00:00:00.000Z', score: 87 },
    ]);

    const bars = findAll(ProgressBar);
    expect(bars.map((b) => [b.props.title, b.props.value, b.props.variant])).toEqual([
      ['Product Usage', 92, 'success'],
      ['Engagement', 85, 'success'],
      ['Business Outcomes', 70, 'warning'],
    ]);
    expect(findByTestId(Text, 'category-contract_health').text).toBe('Contract Health: no fresh data');

    expect(itemsOf(findByTestId(List, 'drivers'))).toContain('Product Usage +9: weekly active users 94% of seats');
    expect(itemsOf(findByTestId(List, 'plays'))).toContain('Focus on expansion opportunities');
    expect(itemsOf(findByTestId(List, 'plays'))).toContain('Schedule quarterly business reviews (can be automated)');
    expect(findByTestId(Text, 'footer').text).toBe('Churn risk 4% · Confidence 90% · Maturity · Model v7 · Scored 2 Nov 2026');
    expect(maybeFind(Alert)).toBeNull();
  });

  it('renders a critical company: red tier tag, downward trend, negative drivers and escalation plays', async () => {
    const { fetcher } = fakeFetch({ 'GET /hubspot/card': () => json(200, critical) });
    const { waitFor, find, findByTestId, maybeFind } = renderCard(fetcher);
    await waitFor(() => expect(maybeFind(Tag)).not.toBeNull());

    expect(find(Tag).props.variant).toBe('error');
    expect(find(Tag).text).toBe('Critical');
    expect(find(StatisticsTrend).props).toMatchObject({ direction: 'decrease', color: 'red', value: '−33 pts in 30 days' });
    expect(itemsOf(findByTestId(List, 'drivers'))).toContain('Product Usage −14: weekly active users 21% of seats');
    expect(itemsOf(findByTestId(List, 'plays'))).toContain('Executive escalation');
    expect(findByTestId(Text, 'footer').text).toContain('Churn risk 47%');
  });

  it('explains insufficient data, names the missing sources and shows no tier or plays', async () => {
    const { fetcher } = fakeFetch({ 'GET /hubspot/card': () => json(200, insufficient) });
    const { waitFor, findByTestId, maybeFind, maybeFindByTestId } = renderCard(fetcher);
    await waitFor(() => expect(maybeFindByTestId(Alert, 'insufficient-data')).not.toBeNull());

    const alert = findByTestId(Alert, 'insufficient-data');
    expect(alert.props.title).toBe('Insufficient data');
    expect(alert.text).toContain('Only 35%');
    expect(alert.text).toContain('Missing or stale: Product usage, Billing.');
    expect(maybeFind(Tag)).toBeNull();
    expect(maybeFindByTestId(List, 'plays')).toBeNull();
    expect(maybeFind(LineChart)).toBeNull();
    expect(findByTestId(Text, 'footer').text).not.toContain('Confidence');
  });

  it('shows an error state with the backend message and retries on request', async () => {
    let attempts = 0;
    const { fetcher } = fakeFetch({
      'GET /hubspot/card': () => {
        attempts += 1;
        return attempts === 1
          ? json(401, { error: { code: 'signature_mismatch', message: 'The HubSpot signature does not match this request.' } })
          : json(200, healthy);
      },
    });
    const { waitFor, find, findByTestId, maybeFind } = renderCard(fetcher);
    await waitFor(() => expect(maybeFind(ErrorState)).not.toBeNull());
    expect(find(ErrorState).props.title).toBe('Customer health is unavailable');
    expect(find(ErrorState).find(Text).text).toContain('The HubSpot signature does not match this request.');

    findByTestId(Button, 'retry').trigger('onClick');
    await waitFor(() => expect(maybeFind(Tag)).not.toBeNull());
    expect(attempts).toBe(2);
  });

  it('reports an answer it cannot understand instead of rendering it', async () => {
    const { fetcher } = fakeFetch({ 'GET /hubspot/card': () => json(200, { score: 'high' }) });
    const { waitFor, find, maybeFind } = renderCard(fetcher);
    await waitFor(() => expect(maybeFind(ErrorState)).not.toBeNull());
    expect(find(ErrorState).find(Text).text).toContain('does not understand');
  });

  it('offers a rescore for a company that has not been scored yet', async () => {
    const { fetcher, calls } = fakeFetch({
      'GET /hubspot/card': () => json(404, { error: { code: 'company_not_found', message: 'No health score for company 501 yet.' } }),
      'POST /hubspot/card/rescore': () => json(202, { queued: true }),
    });
    const { waitFor, find, findByTestId, maybeFind } = renderCard(fetcher);
    await waitFor(() => expect(maybeFind(EmptyState)).not.toBeNull());
    expect(find(EmptyState).props.title).toBe('Not scored yet');

    findByTestId(LoadingButton, 'rescore').trigger('onClick');
    await waitFor(() => expect(maybeFind(Alert)).not.toBeNull());
    expect(calls.at(-1)).toEqual({ url: `${ORIGIN}/hubspot/card/rescore`, method: 'POST', body: { companyId: '501' } });
  });

  it('POSTs a rescore for this company when "Rescore now" is clicked and confirms it', async () => {
    const { fetcher, calls } = fakeFetch({
      'GET /hubspot/card': () => json(200, critical),
      'POST /hubspot/card/rescore': () => json(202, { queued: true }),
    });
    const { waitFor, findByTestId, maybeFindByTestId } = renderCard(fetcher);
    await waitFor(() => expect(maybeFindByTestId(LoadingButton, 'rescore')).not.toBeNull());

    const button = findByTestId(LoadingButton, 'rescore');
    expect(button.text).toBe('Rescore now');
    button.trigger('onClick');

    await waitFor(() => expect(maybeFindByTestId(Alert, 'rescore-result')).not.toBeNull());
    expect(findByTestId(Alert, 'rescore-result').props).toMatchObject({ title: 'Rescore queued', variant: 'success' });
    expect(calls.filter((c) => c.method === 'POST')).toEqual([{ url: `${ORIGIN}/hubspot/card/rescore`, method: 'POST', body: { companyId: '501' } }]);
  });

  it('tells the user when the rescore request fails', async () => {
    const { fetcher } = fakeFetch({
      'GET /hubspot/card': () => json(200, healthy),
      'POST /hubspot/card/rescore': () => {
        throw new TypeError('Failed to fetch');
      },
    });
    const { waitFor, findByTestId, maybeFindByTestId } = renderCard(fetcher);
    await waitFor(() => expect(maybeFindByTestId(LoadingButton, 'rescore')).not.toBeNull());
    findByTestId(LoadingButton, 'rescore').trigger('onClick');
    await waitFor(() => expect(maybeFindByTestId(Alert, 'rescore-result')).not.toBeNull());
    expect(findByTestId(Alert, 'rescore-result').props).toMatchObject({ title: 'Rescore failed', variant: 'error' });
    expect(findByTestId(Alert, 'rescore-result').text).toBe('Failed to fetch');
  });
});
