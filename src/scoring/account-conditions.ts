/** Rules over account attributes, used to pick a model for a segment (segment = Enterprise, plan in [...], seats >= 100). */
import { z } from 'zod';

export const CONDITION_OPERATORS = ['eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'exists'] as const;

type Scalar = string | number | boolean;

export const ConditionSchema = z
  .strictObject({
    attribute: z.string().min(1, 'name the account attribute, e.g. segment'),
    op: z.enum(CONDITION_OPERATORS),
    value: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()])).min(1)]).optional(),
  })
  .superRefine((c, ctx) => {
    const isList = Array.isArray(c.value);
    if ((c.op === 'in' || c.op === 'not_in') && !isList) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `operator ${c.op} needs a list of values` });
    } else if ((c.op === 'eq' || c.op === 'neq') && (c.value === undefined || isList)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `operator ${c.op} needs a single value` });
    } else if (['gt', 'gte', 'lt', 'lte'].includes(c.op) && typeof c.value !== 'number') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `operator ${c.op} needs a number` });
    } else if (c.op === 'exists' && c.value !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'operator exists takes no value' });
    }
  });
export type Condition = z.output<typeof ConditionSchema>;

export type AttributeValue = string | number | boolean | null | undefined;

export interface AccountAttributes {
  readonly accountId?: string;
  readonly segment?: string | null;
  readonly seats?: number | null;
  readonly customerSince?: Date | null;
  readonly renewalDate?: Date | null;
  /** Any other account field (plan, region, industry…), as read from the CRM or the accounts file. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export function attributeValue(account: AccountAttributes, name: string): AttributeValue {
  const extra = account.attributes?.[name];
  if (extra !== undefined && extra !== null && extra !== '') return extra;
  if (name === 'segment') return account.segment;
  if (name === 'seats') return account.seats;
  return extra;
}

/** Strings compare trimmed and case-insensitively: "Enterprise" in the CRM and "enterprise" in a rule are the same segment. */
function sameValue(actual: Scalar, expected: Scalar): boolean {
  if (typeof expected === 'number') return toNumber(actual) === expected;
  if (typeof expected === 'boolean') return actual === expected || String(actual).trim().toLowerCase() === String(expected);
  return String(actual).trim().toLowerCase() === expected.trim().toLowerCase();
}

function toNumber(value: Scalar): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return Number.NaN;
  const trimmed = value.trim();
  return trimmed === '' ? Number.NaN : Number(trimmed);
}

export function conditionHolds(condition: Condition, account: AccountAttributes): boolean {
  const actual = attributeValue(account, condition.attribute);
  const present = actual !== undefined && actual !== null && actual !== '';
  const expected = condition.value;
  switch (condition.op) {
    case 'exists':
      return present;
    case 'eq':
      return present && expected !== undefined && !Array.isArray(expected) && sameValue(actual, expected);
    case 'neq':
      return !present || (expected !== undefined && !Array.isArray(expected) && !sameValue(actual, expected));
    case 'in':
      return present && Array.isArray(expected) && expected.some((e) => sameValue(actual, e));
    case 'not_in':
      return !present || (Array.isArray(expected) && !expected.some((e) => sameValue(actual, e)));
    default: {
      if (!present || typeof expected !== 'number') return false;
      const n = toNumber(actual);
      if (Number.isNaN(n)) return false;
      if (condition.op === 'gt') return n > expected;
      if (condition.op === 'gte') return n >= expected;
      if (condition.op === 'lt') return n < expected;
      return n <= expected;
    }
  }
}
