import { sql } from 'drizzle-orm';
import {
  bigserial, boolean, doublePrecision, foreignKey, index, integer, jsonb, pgTable, text, timestamp, unique, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** One installed CRM account (a HubSpot portal, a Salesforce org) or the demo. */
export const workspaces = pgTable('workspaces', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  kind: text('kind', { enum: ['crm', 'demo', 'local'] }).notNull().default('crm'),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A link to an outside system. Credentials are sealed by the keyring; never stored in clear. */
export const connections = pgTable(
  'connections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull(),
    externalAccountId: text('external_account_id').notNull(),
    authMode: text('auth_mode', { enum: ['oauth', 'static_token', 'api_key'] }).notNull().default('oauth'),
    scopes: jsonb('scopes').$type<string[]>().notNull().default([]),
    status: text('status', { enum: ['active', 'needs_reauth', 'disconnected'] }).notNull().default('active'),
    sealedCredentials: text('sealed_credentials'),
    tokenExpiresAt: timestamp('token_expires_at', { withTimezone: true }),
    lastError: text('last_error'),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('connections_provider_account_uq').on(t.provider, t.externalAccountId),
    index('connections_workspace_idx').on(t.workspaceId),
  ],
);

export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    crmId: text('crm_id').notNull(),
    name: text('name'),
    domain: text('domain'),
    externalIds: jsonb('external_ids').$type<Record<string, string>>().notNull().default({}),
    segment: text('segment'),
    seats: integer('seats'),
    customerSince: timestamp('customer_since', { withTimezone: true }),
    renewalDate: timestamp('renewal_date', { withTimezone: true }),
    owner: text('owner'),
    attributes: jsonb('attributes').$type<Record<string, string | number | boolean | null>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('accounts_workspace_crm_uq').on(t.workspaceId, t.crmId),
    // Target of the composite foreign keys below: a child row can only name an account of its own workspace.
    unique('accounts_workspace_id_uq').on(t.workspaceId, t.id),
    index('accounts_workspace_domain_idx').on(t.workspaceId, t.domain),
  ],
);

/** Point-in-time metric values: one row per observation, never overwritten. */
export const signals = pgTable(
  'signals',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    accountId: uuid('account_id').notNull(),
    metric: text('metric').notNull(),
    value: doublePrecision('value').notNull(),
    observedAt: timestamp('observed_at', { withTimezone: true }).notNull(),
    source: text('source').notNull(),
    ingestedAt: timestamp('ingested_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('signals_observation_uq').on(t.workspaceId, t.accountId, t.metric, t.source, t.observedAt),
    foreignKey({ name: 'signals_account_fk', columns: [t.workspaceId, t.accountId], foreignColumns: [accounts.workspaceId, accounts.id] }).onDelete('cascade'),
    index('signals_account_time_idx').on(t.workspaceId, t.accountId, t.observedAt),
  ],
);

/** Versioned scoring models. A published row is never updated except to retire it. */
export const scoringModels = pgTable(
  'scoring_models',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    modelKey: text('model_key').notNull(),
    version: integer('version').notNull(),
    status: text('status', { enum: ['draft', 'published', 'retired'] }).notNull(),
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    predictive: jsonb('predictive').$type<Record<string, unknown> | null>(),
    note: text('note'),
    createdAt: createdAt(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('scoring_models_version_uq').on(t.workspaceId, t.modelKey, t.version)],
);

/** Score history: one row per account per scoring run, with the model version it came from. */
export const scores = pgTable(
  'scores',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    accountId: uuid('account_id').notNull(),
    modelKey: text('model_key').notNull(),
    modelVersion: integer('model_version').notNull(),
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
    score: integer('score'),
    rawScore: doublePrecision('raw_score'),
    tier: text('tier').notNull(),
    tierSince: timestamp('tier_since', { withTimezone: true }),
    confidence: doublePrecision('confidence').notNull(),
    insufficientData: boolean('insufficient_data').notNull(),
    lifecycleStage: text('lifecycle_stage'),
    churnProbability: doublePrecision('churn_probability'),
    result: jsonb('result').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('scores_account_asof_uq').on(t.workspaceId, t.accountId, t.modelKey, t.modelVersion, t.asOf),
    foreignKey({ name: 'scores_account_fk', columns: [t.workspaceId, t.accountId], foreignColumns: [accounts.workspaceId, accounts.id] }).onDelete('cascade'),
    index('scores_account_time_idx').on(t.workspaceId, t.accountId, t.asOf),
  ],
);

export const outcomes = pgTable(
  'outcomes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    accountId: uuid('account_id').notNull(),
    outcome: text('outcome', { enum: ['churned', 'renewed', 'expanded'] }).notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    source: text('source').notNull().default('import'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('outcomes_uq').on(t.workspaceId, t.accountId, t.outcome, t.occurredAt),
    foreignKey({ name: 'outcomes_account_fk', columns: [t.workspaceId, t.accountId], foreignColumns: [accounts.workspaceId, accounts.id] }).onDelete('cascade'),
  ],
);

/** Progress of one sync object per connection: a typed checkpoint saved after every page. */
export const syncState = pgTable(
  'sync_state',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    connectionId: uuid('connection_id').notNull().references(() => connections.id, { onDelete: 'cascade' }),
    object: text('object').notNull(),
    checkpoint: jsonb('checkpoint').$type<Record<string, unknown> | null>(),
    stage: text('stage').notNull().default('idle'),
    failures: integer('failures').notNull().default(0),
    lastError: text('last_error'),
    retryAfter: timestamp('retry_after', { withTimezone: true }),
    lastRunAt: timestamp('last_run_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('sync_state_object_uq').on(t.connectionId, t.object)],
);

/** What was last written to the CRM per account, so write-back sends only changes. */
export const crmWrites = pgTable(
  'crm_writes',
  {
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    accountId: uuid('account_id').notNull(),
    provider: text('provider').notNull(),
    values: jsonb('values').$type<Record<string, string>>().notNull(),
    writtenAt: timestamp('written_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('crm_writes_uq').on(t.workspaceId, t.accountId, t.provider),
    foreignKey({ name: 'crm_writes_account_fk', columns: [t.workspaceId, t.accountId], foreignColumns: [accounts.workspaceId, accounts.id] }).onDelete('cascade'),
  ],
);

/** Idempotency records for non-idempotent creates in a CRM (notes, tasks, events). */
export const externalActions = pgTable(
  'external_actions',
  {
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    idempotencyKey: text('idempotency_key').notNull(),
    status: text('status', { enum: ['started', 'completed'] }).notNull(),
    remoteId: text('remote_id'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('external_actions_uq').on(t.workspaceId, t.idempotencyKey)],
);

/** Single-use OAuth `state` nonces. */
export const oauthStates = pgTable('oauth_states', {
  nonce: text('nonce').primaryKey(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
});

/** Pipeline runs and their progress, readable by the CLI and the API. */
export const jobRuns = pgTable(
  'job_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed', 'delayed'] }).notNull(),
    stage: text('stage'),
    progress: jsonb('progress').$type<Record<string, unknown>>().notNull().default({}),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    // Pipeline columns (appended): what started the run, a deterministic key so a scheduled or
    // targeted run is created once however many schedulers fire, and the run's options.
    trigger: text('trigger'),
    runKey: text('run_key'),
    options: jsonb('options').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('job_runs_workspace_idx').on(t.workspaceId, t.createdAt),
    uniqueIndex('job_runs_run_key_uq').on(t.workspaceId, t.runKey),
    // One active pipeline run per workspace; rows without a trigger (other job kinds) are exempt.
    uniqueIndex('job_runs_active_pipeline_uq')
      .on(t.workspaceId)
      .where(sql`${t.trigger} is not null and ${t.status} in ('queued', 'running', 'delayed')`),
  ],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: uuid('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp('at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [index('audit_log_workspace_idx').on(t.workspaceId, t.at)],
);


/** One stage task of a pipeline run: pull (per connection and object), score, write back, actions. */
export const pipelineTasks = pgTable(
  'pipeline_tasks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id').notNull().references(() => workspaces.id, { onDelete: 'cascade' }),
    runId: uuid('run_id').notNull().references(() => jobRuns.id, { onDelete: 'cascade' }),
    connectionId: uuid('connection_id').references(() => connections.id, { onDelete: 'cascade' }),
    stage: text('stage', { enum: ['pull', 'score', 'writeBack', 'actions'] }).notNull(),
    /** The source object for pull tasks; '' for the others, so the unique key below works. */
    object: text('object').notNull().default(''),
    /** stage:connection:object — unique within a run, so creating the next stage twice is a no-op. */
    taskKey: text('task_key').notNull(),
    status: text('status', { enum: ['queued', 'running', 'delayed', 'succeeded', 'failed', 'cancelled'] }).notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    errorKind: text('error_kind'),
    error: text('error'),
    progress: jsonb('progress').$type<Record<string, unknown>>().notNull().default({}),
    notBefore: timestamp('not_before', { withTimezone: true }),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('pipeline_tasks_run_key_uq').on(t.runId, t.taskKey),
    index('pipeline_tasks_active_idx').on(t.status, t.workspaceId),
    index('pipeline_tasks_workspace_stage_idx').on(t.workspaceId, t.stage, t.finishedAt),
  ],
);

/**
 * Process-wide state that belongs to no workspace, one JSON value per key: e.g. the HubSpot
 * webhooks-journal offset (`hubspot.lifecycle_journal`). Read through `app-state.ts`, which
 * validates each value with the reader's own zod schema.
 */
export const appState = pgTable('app_state', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
  updatedAt: updatedAt(),
});
