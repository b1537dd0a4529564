/** Lifecycle stages from the guide: tenure since customer-since, with the renewal window taking precedence. */

export const LIFECYCLE_STAGES = ['onboarding', 'growth', 'maturity', 'renewal', 'unknown'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export interface LifecycleSettings {
  /** Days since customer-since that still count as onboarding. */
  readonly onboardingDays: number;
  /** Days since customer-since that still count as growth; beyond is maturity. */
  readonly growthDays: number;
  /** An account whose renewal date is within this many days is in the renewal stage. */
  readonly renewalWindowDays: number;
}

export const DEFAULT_LIFECYCLE: LifecycleSettings = Object.freeze({
  onboardingDays: 90,
  growthDays: 365,
  renewalWindowDays: 90,
});

export const DAY_MS = 86_400_000;

export interface LifecycleDates {
  readonly customerSince?: Date | null;
  readonly renewalDate?: Date | null;
}

export function lifecycleStage(
  account: LifecycleDates,
  asOf: Date,
  settings: LifecycleSettings = DEFAULT_LIFECYCLE,
): LifecycleStage {
  const now = asOf.getTime();
  if (account.renewalDate) {
    const daysToRenewal = (account.renewalDate.getTime() - now) / DAY_MS;
    // A renewal date already passed says nothing about the coming one, so it does not count.
    if (daysToRenewal >= 0 && daysToRenewal <= settings.renewalWindowDays) return 'renewal';
  }
  if (!account.customerSince) return 'unknown';
  const tenureDays = (now - account.customerSince.getTime()) / DAY_MS;
  if (tenureDays < settings.onboardingDays) return 'onboarding';
  if (tenureDays < settings.growthDays) return 'growth';
  return 'maturity';
}
