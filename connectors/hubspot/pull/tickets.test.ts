import { describe, expect, it } from 'vitest';
import { CrmObjectApiSchema } from '../crm-objects.ts';
import { DAY, T0, crmObject, iso } from '../fixtures/hubspot-shapes.ts';
import { ticketSignals } from './tickets.ts';

const asOf = new Date(T0);
const ticket = (id: string, props: Record<string, string | null>) => CrmObjectApiSchema.parse(crmObject(id, props));
const values = (signals: ReturnType<typeof ticketSignals>) => Object.fromEntries(signals.map((s) => [s.metric, s.value]));

describe('ticketSignals', () => {
  it('counts open tickets and escalations and takes the median first reply', () => {
    const signals = ticketSignals(
      'c1',
      [
        ticket('t1', { createdate: iso(T0 - 10 * DAY), closed_date: null, hs_pipeline_stage: '1', hs_ticket_priority: 'HIGH', time_to_first_agent_reply: String(2 * 3_600_000) }),
        ticket('t2', { createdate: iso(T0 - 20 * DAY), closed_date: iso(T0 - 15 * DAY), hs_pipeline_stage: '4', hs_ticket_priority: 'LOW', time_to_first_agent_reply: String(4 * 3_600_000) }),
        ticket('t3', { createdate: iso(T0 - 5 * DAY), closed_date: null, hs_pipeline_stage: '2', hs_ticket_priority: 'URGENT', first_agent_reply_date: iso(T0 - 5 * DAY + 9 * 3_600_000) }),
        ticket('t4', { createdate: iso(T0 - 200 * DAY), closed_date: null, hs_pipeline_stage: '4', hs_ticket_priority: 'HIGH' }),
      ],
      asOf,
    );
    expect(values(signals)).toEqual({ 'support.open_tickets': 2, 'support.escalations_90d': 2, 'support.first_reply_hours': 4 });
  });

  it('treats a ticket closed after the as-of date as open then', () => {
    const signals = ticketSignals('c1', [ticket('t1', { createdate: iso(T0 - 3 * DAY), closed_date: iso(T0 + DAY), hs_pipeline_stage: '4', hs_ticket_priority: 'MEDIUM' })], asOf);
    expect(values(signals)['support.open_tickets']).toBe(1);
  });

  it('emits nothing without tickets', () => {
    expect(ticketSignals('c1', [], asOf)).toEqual([]);
  });
});
