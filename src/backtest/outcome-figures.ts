/**
 * Streaming accumulation of everything the backtest reports about one outcome (churn or
 * expansion) for one group of snapshots (all, a segment, a lifecycle stage). Memory is
 * fixed: per-fold score histograms, tier counts and confusion counts.
 *
 * When no stored probability model is given, the Brier score is of the score itself turned
 * into a probability by Platt scaling, cross-fitted: accounts are split into folds by a hash
 * of their id, and each fold is calibrated on the others — exactly, from the 101 score bins.
 */
import type { Tier } from '../scoring/index.ts';
import { applyPlatt, fitPlatt, type PlattCalibration } from './calibration.ts';
import {
  addToConfusion,
  confusionRates,
  emptyConfusion,
  tierOutcomes,
  type ConfusionCounts,
  type ConfusionRates,
  type TierOutcome,
} from './metrics.ts';
import {
  ProbabilityAccumulator,
  scoreHistogram,
  type BinnedOutcomes,
  type ReliabilityBand,
  type RiskDirection,
} from './streaming-metrics.ts';

export const CALIBRATION_FOLDS = 5;

/** Display order and names of the engine's tiers. */
export const TIER_ORDER: readonly Tier[] = ['healthy', 'at_risk', 'critical'];
export const TIER_LABELS: Readonly<Record<Tier, string>> = { healthy: 'Healthy', at_risk: 'At Risk', critical: 'Critical' };

export type OutcomeKind = 'churn' | 'expansion';

/** FNV-1a hash of the account id: the same account always lands in the same calibration fold. */
export function accountFold(accountId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < accountId.length; i += 1) {
    hash ^= accountId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % CALIBRATION_FOLDS;
}

export interface OutcomeFigures {
  outcome: OutcomeKind;
  snapshots: number;
  positives: number;
  baseRate: number;
  /** How well the score ranks: churn expects low scores first, expansion high scores first. */
  rocAuc: number;
  averagePrecision: number;
  brierScore: number;
  probabilitySource: 'stored-model' | 'cross-fitted-platt' | 'none';
  /** ROC-AUC of the stored probability model, when one was given. */
  probabilityRocAuc: number | null;
  reliability: ReliabilityBand[];
  tiers: TierOutcome[];
  /** Churn: "At Risk or Critical" flags; expansion: "Healthy" flags. */
  flagged: ConfusionRates;
  flaggedLabel: string;
  /** Churn only: "Critical" flags. */
  critical: ConfusionRates | null;
}

export class OutcomeAccumulator {
  readonly kind: OutcomeKind;
  readonly folds: BinnedOutcomes[] = Array.from({ length: CALIBRATION_FOLDS }, () => scoreHistogram());
  private readonly tierCounts = new Map<string, { snapshots: number; positives: number }>();
  private readonly flagged: ConfusionCounts = emptyConfusion();
  private readonly critical: ConfusionCounts = emptyConfusion();
  private probability: ProbabilityAccumulator | null = null;

  constructor(kind: OutcomeKind) {
    this.kind = kind;
  }

  /** One scored snapshot: integer score, tier, account fold, whether the outcome followed, optional probability. */
  add(score: number, tier: Tier, fold: number, positive: boolean, probability?: number): void {
    (this.folds[fold] as BinnedOutcomes).add(score, positive);
    const counts = this.tierCounts.get(tier) ?? { snapshots: 0, positives: 0 };
    counts.snapshots += 1;
    if (positive) counts.positives += 1;
    this.tierCounts.set(tier, counts);
    if (this.kind === 'churn') {
      addToConfusion(this.flagged, tier !== 'healthy', positive);
      addToConfusion(this.critical, tier === 'critical', positive);
    } else {
      addToConfusion(this.flagged, tier === 'healthy', positive);
    }
    if (probability !== undefined) {
      this.probability ??= new ProbabilityAccumulator();
      this.probability.add(probability, positive);
    }
  }

  get direction(): RiskDirection {
    return this.kind === 'churn' ? 'low-bins-riskier' : 'high-bins-riskier';
  }

  combined(): BinnedOutcomes {
    const all = scoreHistogram();
    for (const fold of this.folds) all.merge(fold);
    return all;
  }

  /** Platt calibration per fold, each fitted on the other folds' bins (for the overall group). */
  crossFittedCalibrations(): PlattCalibration[] | null {
    const all = this.combined();
    const { positives, negatives } = all.total();
    if (positives === 0 || negatives === 0) return null;
    const pooled = fitBinned(all);
    return this.folds.map((fold) => {
      const train = scoreHistogram();
      for (const other of this.folds) if (other !== fold) train.merge(other);
      const classes = train.total();
      // With very few accounts the other folds may hold one class only; the pooled fit is all there is.
      return classes.positives > 0 && classes.negatives > 0 ? fitBinned(train) : pooled;
    });
  }

  finish(calibrations: readonly PlattCalibration[] | null): OutcomeFigures {
    const all = this.combined();
    const { positives, negatives } = all.total();
    const snapshots = positives + negatives;
    let probabilitySource: OutcomeFigures['probabilitySource'] = 'none';
    let brierScore = Number.NaN;
    let reliability: ReliabilityBand[] = [];
    if (this.probability !== null) {
      probabilitySource = 'stored-model';
      brierScore = this.probability.brierScore();
      reliability = this.probability.reliability();
    } else if (calibrations !== null && snapshots > 0) {
      probabilitySource = 'cross-fitted-platt';
      const calibrated = new ProbabilityAccumulator();
      this.folds.forEach((fold, k) => {
        const calibration = calibrations[k] as PlattCalibration;
        for (let bin = 0; bin < fold.bins; bin += 1) {
          const p = applyPlatt(calibration, bin);
          calibrated.add(p, true, fold.positives[bin] as number);
          calibrated.add(p, false, fold.negatives[bin] as number);
        }
      });
      brierScore = calibrated.brierScore();
      reliability = calibrated.reliability();
    }
    return {
      outcome: this.kind,
      snapshots,
      positives,
      baseRate: snapshots === 0 ? Number.NaN : positives / snapshots,
      rocAuc: all.rocAuc(this.direction),
      averagePrecision: all.averagePrecision(this.direction),
      brierScore,
      probabilitySource,
      probabilityRocAuc: this.probability === null ? null : this.probability.rocAuc(),
      reliability,
      tiers: tierOutcomes(this.tierCounts, TIER_ORDER).map((t) => ({ ...t, tier: tierLabel(t.tier) })),
      flagged: confusionRates(this.flagged),
      flaggedLabel: this.kind === 'churn' ? 'At Risk or Critical' : 'Healthy',
      critical: this.kind === 'churn' ? confusionRates(this.critical) : null,
    };
  }
}

function tierLabel(tier: string): string {
  return (TIER_LABELS as Record<string, string>)[tier] ?? tier;
}

/** Platt scaling on a score histogram: one weighted row per non-empty (bin, outcome). */
function fitBinned(histogram: BinnedOutcomes): PlattCalibration {
  const x: number[] = [];
  const y: number[] = [];
  const w: number[] = [];
  for (let bin = 0; bin < histogram.bins; bin += 1) {
    const pos = histogram.positives[bin] as number;
    const neg = histogram.negatives[bin] as number;
    if (pos > 0) {
      x.push(bin);
      y.push(1);
      w.push(pos);
    }
    if (neg > 0) {
      x.push(bin);
      y.push(0);
      w.push(neg);
    }
  }
  return fitPlatt(x, y, w);
}
