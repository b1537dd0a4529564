import { describe, expect, it } from 'vitest';
import { CrmObjectApiSchema } from '../crm-objects.ts';
import { DAY, T0, crmObject, iso } from '../fixtures/hubspot-shapes.ts';
import { dealSignals } from './deals.ts';

const asOf = new Date(T0);
const deal = (id: string, props: Record<string, string | null>) =>
  CrmObjectApiSchema.parse(crmObject(id, { createdate: iso(T0 - 400 * DAY), hs_is_closed: 'false', hs_is_closed_won: 'false', hs_is_closed_lost: 'false', ...props }));

describe('dealSignals', () => {
  it('finds the next renewal, its amount, and counts closed-lost renewals', () => {
    const { signals, account } = dealSignals(
      'c1',
      [
        deal('d1', { dealname: 'Acme renewal 2027', dealtype: 'existingbusiness', amount: '24000', closedate: iso(T0 + 45 * DAY) }),
        deal('d2', { dealname: 'Acme new', dealtype: 'newbusiness', amount: '20000', closedate: iso(T0 - 300 * DAY), hs_is_closed: 'true', hs_is_closed_won: 'true' }),
        deal('d3', { dealname: 'Add-on renewal', dealtype: 'existingbusiness', amount: '3000', closedate: iso(T0 - 60 * DAY), hs_is_closed: 'true', hs_is_closed_lost: 'true' }),
      ],
      asOf,
    );
    expect(Object.fromEntries(signals.map((s) => [s.metric, s.value]))).toEqual({
      'contract.days_to_renewal': 45,
      'contract.amount': 24000,
      'contract.closed_lost_renewals': 1,
    });
    expect(account).toEqual({ crmId: 'c1', renewalDate: new Date(T0 + 45 * DAY) });
  });

  it('falls back to the last closed-won amount and sets no renewal date without an open renewal', () => {
    const { signals, account } = dealSignals('c1', [deal('d2', { dealtype: 'newbusiness', amount: '20000', closedate: iso(T0 - 30 * DAY), hs_is_closed: 'true', hs_is_closed_won: 'true' })], asOf);
    expect(Object.fromEntries(signals.map((s) => [s.metric, s.value]))).toEqual({ 'contract.amount': 20000, 'contract.closed_lost_renewals': 0 });
    expect(account).toBeNull();
  });

  it('emits nothing for a company without deals', () => {
    expect(dealSignals('c1', [], asOf)).toEqual({ signals: [], account: null });
  });
});
