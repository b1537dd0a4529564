import type { Redis } from 'ioredis';

/**
 * Per-workspace concurrency cap, per stage, so one huge workspace cannot occupy every worker.
 *
 * BullMQ's group limits are a Pro feature, so each worker asks this gate before running a task:
 * a slot is a lease (member = task id, score = expiry) in one sorted set per workspace and stage.
 * Leases of killed workers expire on their own; a refused task is put back as delayed for a
 * moment without counting an attempt, and other workspaces' jobs go ahead meanwhile.
 */
export type FairnessGate = {
  tryAcquire(stage: string, workspaceId: string, taskId: string): Promise<boolean>;
  renew(stage: string, workspaceId: string, taskId: string): Promise<void>;
  release(stage: string, workspaceId: string, taskId: string): Promise<void>;
};

const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
  return 1
end
return 0
`;

export function redisFairnessGate(redis: Redis, options: { prefix: string; limit: number; leaseMs: number }): FairnessGate {
  const key = (stage: string, ws: string) => `${options.prefix}:fair:${stage}:${ws}`;
  return {
    async tryAcquire(stage, workspaceId, taskId) {
      const granted = await redis.eval(ACQUIRE, 1, key(stage, workspaceId), taskId, String(options.limit), String(options.leaseMs));
      return granted === 1;
    },
    async renew(stage, workspaceId, taskId) {
      await redis.eval(ACQUIRE, 1, key(stage, workspaceId), taskId, String(Number.MAX_SAFE_INTEGER), String(options.leaseMs));
    },
    async release(stage, workspaceId, taskId) {
      await redis.zrem(key(stage, workspaceId), taskId);
    },
  };
}

/** The same cap for the in-process runner. */
export function memoryFairnessGate(limit: number): FairnessGate & { active(stage: string, workspaceId: string): number } {
  const slots = new Map<string, Set<string>>();
  const slot = (stage: string, ws: string) => {
    const k = `${stage}:${ws}`;
    let s = slots.get(k);
    if (!s) slots.set(k, (s = new Set()));
    return s;
  };
  return {
    async tryAcquire(stage, workspaceId, taskId) {
      const s = slot(stage, workspaceId);
      if (s.has(taskId) || s.size < limit) {
        s.add(taskId);
        return true;
      }
      return false;
    },
    async renew() {},
    async release(stage, workspaceId, taskId) {
      slot(stage, workspaceId).delete(taskId);
    },
    active: (stage, workspaceId) => slot(stage, workspaceId).size,
  };
}
