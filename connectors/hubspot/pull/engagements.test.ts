import { describe, expect, it } from 'vitest';
import { CrmObjectApiSchema } from '../crm-objects.ts';
import { DAY, T0, crmObject, iso } from '../fixtures/hubspot-shapes.ts';
import { engagementSignals } from './engagements.ts';

const asOf = new Date(T0);
const obj = (id: string, props: Record<string, string | null>) => CrmObjectApiSchema.parse(crmObject(id, props));
const email = (id: string, daysAgo: number, direction: string) => obj(id, { hs_timestamp: iso(T0 - daysAgo * DAY), hs_email_direction: direction });
const meeting = (id: string, daysAgo: number, outcome: string | null) => obj(id, { hs_timestamp: iso(T0 - daysAgo * DAY), hs_meeting_start_time: iso(T0 - daysAgo * DAY), hs_meeting_outcome: outcome });
const call = (id: string, daysAgo: number, disposition: string) => obj(id, { hs_timestamp: iso(T0 - daysAgo * DAY), hs_call_disposition: disposition });
const values = (signals: ReturnType<typeof engagementSignals>) => Object.fromEntries(signals.map((s) => [s.metric, s.value]));

describe('engagementSignals', () => {
  it('computes reply rate, meetings held and days since the last two-way touch', () => {
    const signals = engagementSignals(
      'c1',
      {
        emails: [email('e1', 5, 'EMAIL'), email('e2', 10, 'EMAIL'), email('e3', 12, 'EMAIL'), email('e4', 20, 'EMAIL'), email('e5', 9, 'INCOMING_EMAIL'), email('e6', 200, 'INCOMING_EMAIL')],
        meetings: [meeting('m1', 30, 'COMPLETED'), meeting('m2', 40, 'NO_SHOW'), meeting('m3', 120, 'COMPLETED')],
        calls: [call('k1', 3, 'f240bbac-87c9-4f6e-bf70-924b57d47db7'), call('k2', 1, '73a0d17f-1163-4015-bdd5-ec830791da20')],
        notes: [obj('n1', { hs_timestamp: iso(T0 - 2 * DAY) })],
      },
      asOf,
    );
    expect(values(signals)).toEqual({
      'engagement.email_reply_rate': 0.25, // 1 incoming ÷ 4 outgoing in 90 days
      'engagement.meetings_90d': 1, // the no-show and the old meeting do not count
      'engagement.days_since_last_touch': 3, // the connected call; the unanswered one is not a touch
      'engagement.notes_90d': 1,
    });
    expect(signals.every((s) => s.observedAt === asOf)).toBe(true);
  });

  it('ignores activity after the as-of date (no future leakage)', () => {
    const signals = engagementSignals('c1', { emails: [email('e1', -2, 'INCOMING_EMAIL'), email('e2', 1, 'EMAIL')], meetings: [], calls: [], notes: [] }, asOf);
    expect(values(signals)['engagement.email_reply_rate']).toBe(0);
    expect(values(signals)['engagement.days_since_last_touch']).toBeUndefined();
  });

  it('emits nothing for a company without any engagement (missing, not zero)', () => {
    expect(engagementSignals('c1', { emails: [], meetings: [], calls: [], notes: [] }, asOf)).toEqual([]);
  });
});
