import type { Logger } from '../logging/logger.ts';
import type { PipelineStage, WorkspaceRepository } from '../storage/workspace-repository.ts';

export type { PipelineStage } from '../storage/workspace-repository.ts';
export const STAGES: readonly PipelineStage[] = ['pull', 'score', 'writeBack', 'actions'];

/** What a run was asked to do. Stored on the run row; jobs carry only ids. */
export type RunOptions = {
  /** Ignore pull checkpoints and rescore every account. */
  full: boolean;
  /** Limit the pull to these providers' connections (CLI `--source`). */
  sources: readonly string[] | null;
  /** Limit the pull to these connections (targeted runs from one connection's webhooks). */
  connectionIds: readonly string[] | null;
  /** Targeted run (webhooks): only these remote object ids need pulling and rescoring. */
  objectIds: readonly string[] | null;
};

export type RunKind = 'sync' | 'rescore';
export type RunTrigger = 'manual' | 'schedule' | 'daily_rescore' | 'webhook';

/** Progress a handler reports: counters are merged (last value wins), `message` replaces. */
export type ProgressUpdate = {
  counts?: Record<string, number>;
  /** Units done and expected, for a progress bar (e.g. accounts pulled of accounts known). */
  done?: number;
  total?: number;
  message?: string;
};

/** Everything a stage handler gets. The job itself carries ids only; state lives in the database. */
export type JobContext = {
  readonly workspaceId: string;
  /** The pull source for pull tasks, the CRM connection for write back and actions; null for score. */
  readonly connectionId: string | null;
  readonly provider: string | null;
  readonly stage: PipelineStage;
  /** The source object for pull tasks ('companies', 'tickets'…); null otherwise. */
  readonly object: string | null;
  readonly runId: string;
  readonly taskId: string;
  /** 1 on the first try; rate-limit delays do not count. */
  readonly attempt: number;
  readonly options: RunOptions;
  /** When the last successful task of this stage started in this workspace (null: never, or `full`). */
  readonly since: Date | null;
  readonly repo: WorkspaceRepository;
  readonly logger: Logger;
  /** Aborted when the process shuts down or the task is cancelled (e.g. the connection needs re-auth). */
  readonly signal: AbortSignal;
  reportProgress(update: ProgressUpdate): Promise<void>;
};

/**
 * What a handler returns. Conventional counters the pipeline turns into metrics:
 * `scored` (score stage), `written` (write back), `skipped`, `pulled`.
 */
export type StageResult = { counts?: Record<string, number>; message?: string } | void;

export type StageHandler = (job: JobContext) => Promise<StageResult>;

export type PullHandler = { objects: readonly string[]; run: StageHandler };

export type StageHandlers = {
  /** Per provider: the source objects it pulls, one task each. */
  pull?: Record<string, PullHandler>;
  score?: StageHandler;
  /** Per CRM provider. A connection whose provider has a write-back handler is a CRM connection. */
  writeBack?: Record<string, StageHandler>;
  /** Runs once per CRM connection after write back (timeline traces, later playbooks). */
  actions?: StageHandler;
};
