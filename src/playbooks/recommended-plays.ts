/**
 * Recommended plays per health tier, from the customer health scoring guide:
 * "Interpreting Health Scores → Score Analysis" (what the CSM does by hand) and
 * "Taking Action → Automated Actions" (what a workflow or playbook can do for them).
 */

export type HealthTier = 'healthy' | 'at_risk' | 'critical';

export const HEALTH_TIERS: readonly HealthTier[] = ['healthy', 'at_risk', 'critical'];

export const TIER_LABELS: Readonly<Record<HealthTier, string>> = {
  healthy: 'Healthy',
  at_risk: 'At Risk',
  critical: 'Critical',
};

/** `manual`: the CSM's own judgement and outreach; `automated`: a workflow or playbook can run it. */
export type PlayKind = 'manual' | 'automated';

export interface RecommendedPlay {
  /** Stable key, safe to store against interventions and to use as a React key. */
  id: string;
  title: string;
  kind: PlayKind;
}

function play(id: string, title: string, kind: PlayKind): RecommendedPlay {
  return Object.freeze({ id, title, kind });
}

const PLAYS: Readonly<Record<HealthTier, readonly RecommendedPlay[]>> = {
  healthy: Object.freeze([
    play('healthy.expansion', 'Focus on expansion opportunities', 'manual'),
    play('healthy.case-study', 'Gather case studies and testimonials', 'manual'),
    play('healthy.advisory', 'Invite to advisory programs', 'manual'),
    play('healthy.fewer-check-ins', 'Reduce check-in frequency', 'manual'),
    play('healthy.expansion-prompt', 'Send expansion conversation prompts', 'automated'),
    play('healthy.review-request', 'Request testimonials or reviews', 'automated'),
    play('healthy.community', 'Invite to user community events', 'automated'),
    play('healthy.qbr', 'Schedule quarterly business reviews', 'automated'),
  ]),
  at_risk: Object.freeze([
    play('at_risk.more-touchpoints', 'Increase touchpoint frequency', 'manual'),
    play('at_risk.training', 'Provide additional training', 'manual'),
    play('at_risk.pain-points', 'Address specific pain points', 'manual'),
    play('at_risk.monitor', 'Monitor closely for improvement', 'manual'),
    play('at_risk.alert-csm', 'Alert customer success managers', 'automated'),
    play('at_risk.check-in', 'Schedule immediate check-ins', 'automated'),
    play('at_risk.resources', 'Provide additional resources', 'automated'),
    play('at_risk.escalate', 'Escalate to management', 'automated'),
  ]),
  critical: Object.freeze([
    play('critical.intervene', 'Immediate intervention required', 'manual'),
    play('critical.exec-escalation', 'Executive escalation', 'manual'),
    play('critical.recovery-plan', 'Recovery plan development', 'manual'),
    play('critical.support-resources', 'Increased support resources', 'manual'),
    play('critical.urgent-ticket', 'Create urgent support tickets', 'automated'),
    play('critical.notify-leadership', 'Notify senior leadership', 'automated'),
    play('critical.recovery-workflow', 'Initiate recovery workflows', 'automated'),
    play('critical.exec-meeting', 'Schedule executive meetings', 'automated'),
  ]),
};

export function recommendedPlaysForTier(tier: HealthTier): readonly RecommendedPlay[] {
  return PLAYS[tier];
}
