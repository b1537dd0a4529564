import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus registry. Connectors increment `providerCalls` / `providerRateLimited`;
 * the pipeline records task outcomes, durations and the scores it computed and wrote.
 * Labels never carry workspace ids: tenants would explode the series count.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'crmh_' });

export const taskOutcomes = new Counter({
  name: 'crmh_pipeline_tasks_total',
  help: 'Pipeline task executions by stage and outcome (succeeded, retried, delayed, failed, cancelled, waited).',
  labelNames: ['stage', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const taskDuration = new Histogram({
  name: 'crmh_pipeline_task_duration_seconds',
  help: 'Time a stage handler ran, by stage and outcome.',
  labelNames: ['stage', 'outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600],
  registers: [metricsRegistry],
});

export const runOutcomes = new Counter({
  name: 'crmh_pipeline_runs_total',
  help: 'Finished pipeline runs by trigger and status.',
  labelNames: ['trigger', 'status'] as const,
  registers: [metricsRegistry],
});

export const providerCalls = new Counter({
  name: 'crmh_provider_calls_total',
  help: 'Outgoing calls to providers by provider and HTTP status class (2xx, 4xx, 429, 5xx, network).',
  labelNames: ['provider', 'status'] as const,
  registers: [metricsRegistry],
});

export const providerRateLimited = new Counter({
  name: 'crmh_provider_rate_limited_total',
  help: 'Responses from providers that said "slow down" (429 or an exhausted budget).',
  labelNames: ['provider'] as const,
  registers: [metricsRegistry],
});

export const scoresComputed = new Counter({
  name: 'crmh_scores_computed_total',
  help: 'Accounts scored by the score stage.',
  registers: [metricsRegistry],
});

export const scoresWritten = new Counter({
  name: 'crmh_scores_written_total',
  help: 'Accounts whose health properties were written to a CRM, by provider.',
  labelNames: ['provider'] as const,
  registers: [metricsRegistry],
});

/** Current jobs by stage and state; filled on scrape from the queues (or the in-process runner). */
export const jobsByState = new Gauge({
  name: 'crmh_pipeline_jobs',
  help: 'Pipeline jobs by stage and state at scrape time.',
  labelNames: ['stage', 'state'] as const,
  registers: [metricsRegistry],
});

/** Records a call's outcome; connectors call this from their HTTP client. */
export function recordProviderCall(provider: string, status: number | 'network'): void {
  const label = status === 'network' ? 'network' : status === 429 ? '429' : `${Math.floor(status / 100)}xx`;
  providerCalls.inc({ provider, status: label });
  if (status === 429) providerRateLimited.inc({ provider });
}
