import type { PipelineStage } from './types.ts';

/** One BullMQ queue per stage (each with its own worker concurrency) and one for schedule ticks. */
export const STAGE_QUEUES: Record<PipelineStage, string> = {
  pull: 'pipeline-pull',
  score: 'pipeline-score',
  writeBack: 'pipeline-write-back',
  actions: 'pipeline-actions',
};
export const SCHEDULE_QUEUE = 'pipeline-schedule';

export const SCHEDULERS = { incremental: 'incremental-sync', fullRescore: 'full-rescore' } as const;
