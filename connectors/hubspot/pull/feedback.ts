/**
 * NPS from HubSpot feedback submissions (survey responses), where the portal has them.
 * Responses hang off contacts, so: company → contacts → feedback_submissions.
 *  - engagement.nps: the average of each contact's latest NPS answer (0–10) of the last
 *    365 days — the unit the scoring catalogue defines for this metric — observed at the
 *    newest answer's time
 *  - engagement.nps_score: the Net Promoter Score (−100…100) over the same answers
 *    (promoters 9–10, detractors 0–6), for reports; custom models may score it
 *  - engagement.nps_responses: how many contacts those figures rest on
 * Portals without surveys (or without the optional scope) answer 403/404: skipped with a
 * note, not a failure.
 */
import type { CanonicalSignal } from '../../core/ports.ts';
import { isConnectorError } from '../../core/error-kinds.ts';
import type { HubSpotClient } from '../client.ts';
import { batchReadObjects, pickRecords } from '../crm-objects.ts';
import type { CrmObjectApi } from '../crm-objects.ts';
import { allTargetIds, readAssociations } from './associations.ts';
import { makeSignal, parseHubSpotTime, parseNumber, withinDays } from './signal-helpers.ts';

export const FEEDBACK_SCOPE = 'crm.objects.feedback_submissions.read';
export const FEEDBACK_PROPERTIES = ['hs_survey_type', 'hs_response_value', 'hs_submission_timestamp', 'hs_createdate'];

/** Pure: responses grouped by contact → one NPS per company. */
export function npsSignals(companyId: string, responsesByContact: ReadonlyMap<string, readonly CrmObjectApi[]>, asOf: Date, lookbackDays = 365): CanonicalSignal[] {
  let promoters = 0;
  let detractors = 0;
  let respondents = 0;
  let total = 0;
  let newest = Number.NEGATIVE_INFINITY;
  for (const responses of responsesByContact.values()) {
    const latest = responses
      .filter((r) => (r.properties.hs_survey_type ?? '').toUpperCase() === 'NPS')
      .map((r) => ({ at: parseHubSpotTime(r.properties.hs_submission_timestamp ?? r.properties.hs_createdate), value: parseNumber(r.properties.hs_response_value) }))
      .filter((r): r is { at: number; value: number } => withinDays(r.at, asOf, lookbackDays) && r.value !== null && r.value >= 0 && r.value <= 10)
      .sort((a, b) => b.at - a.at)[0];
    if (!latest) continue;
    respondents += 1;
    total += latest.value;
    newest = Math.max(newest, latest.at);
    if (latest.value >= 9) promoters += 1;
    else if (latest.value <= 6) detractors += 1;
  }
  if (respondents === 0) return [];
  // Observed when the newest answer came in, not when we looked: an old survey must age out
  // under the factor's maximum age instead of looking fresh at every pull.
  const observedAt = new Date(newest);
  return [
    makeSignal(companyId, 'engagement.nps', Math.round((total / respondents) * 10) / 10, observedAt),
    makeSignal(companyId, 'engagement.nps_score', Math.round(((promoters - detractors) / respondents) * 100), observedAt),
    makeSignal(companyId, 'engagement.nps_responses', respondents, observedAt),
  ];
}

export type FeedbackPullResult = { skipped: false; signals: CanonicalSignal[] } | { skipped: true; note: string; signals: [] };

export async function pullFeedbackSignals(
  client: HubSpotClient,
  contactsByCompany: Map<string, string[]>,
  companyIds: readonly string[],
  asOf: Date,
  grantedScopes?: readonly string[],
): Promise<FeedbackPullResult> {
  if (grantedScopes && grantedScopes.length > 0 && !grantedScopes.includes(FEEDBACK_SCOPE)) {
    return { skipped: true, note: `NPS skipped: the optional scope ${FEEDBACK_SCOPE} was not granted`, signals: [] };
  }
  try {
    const contactIds = allTargetIds(contactsByCompany);
    const byContact = await readAssociations(client, 'contacts', 'feedback_submissions', contactIds);
    const submissions = await batchReadObjects(client, 'feedback_submissions', allTargetIds(byContact), FEEDBACK_PROPERTIES);
    const signals = companyIds.flatMap((companyId) => {
      const responses = new Map<string, CrmObjectApi[]>();
      for (const contactId of contactsByCompany.get(companyId) ?? []) responses.set(contactId, pickRecords(submissions, byContact.get(contactId)));
      return npsSignals(companyId, responses, asOf);
    });
    return { skipped: false, signals };
  } catch (error) {
    if (isConnectorError(error) && (error.status === 403 || error.status === 404)) {
      return { skipped: true, note: `NPS skipped: this portal has no survey responses available (HubSpot ${error.status})`, signals: [] };
    }
    throw error;
  }
}
