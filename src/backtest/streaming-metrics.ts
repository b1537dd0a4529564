/**
 * Accumulators for backtests over millions of snapshots: memory is fixed by the number
 * of bins, never by the number of snapshots. Integer 0–100 scores fall into 101 exact
 * bins, so ROC-AUC and PR-AUC from the bins equal the exact figures; probabilities are
 * binned at 1e-4, which only merges predictions closer than that into one tie.
 */
import {
  averagePrecisionFromGroups,
  rocAucFromGroups,
  type TieGroup,
} from './metrics.ts';

/** Which end of the bin range is riskier. Health scores: low bins; probabilities: high bins. */
export type RiskDirection = 'low-bins-riskier' | 'high-bins-riskier';

export class BinnedOutcomes {
  readonly positives: Float64Array;
  readonly negatives: Float64Array;

  constructor(bins: number) {
    this.positives = new Float64Array(bins);
    this.negatives = new Float64Array(bins);
  }

  get bins(): number {
    return this.positives.length;
  }

  add(bin: number, positive: boolean, weight = 1): void {
    const b = Math.min(this.bins - 1, Math.max(0, Math.round(bin)));
    if (positive) this.positives[b] = (this.positives[b] as number) + weight;
    else this.negatives[b] = (this.negatives[b] as number) + weight;
  }

  merge(other: BinnedOutcomes): void {
    if (other.bins !== this.bins) throw new RangeError('cannot merge histograms with different bins');
    for (let b = 0; b < this.bins; b += 1) {
      this.positives[b] = (this.positives[b] as number) + (other.positives[b] as number);
      this.negatives[b] = (this.negatives[b] as number) + (other.negatives[b] as number);
    }
  }

  total(): { positives: number; negatives: number } {
    let positives = 0;
    let negatives = 0;
    for (let b = 0; b < this.bins; b += 1) {
      positives += this.positives[b] as number;
      negatives += this.negatives[b] as number;
    }
    return { positives, negatives };
  }

  *groups(direction: RiskDirection): Generator<TieGroup> {
    for (let k = 0; k < this.bins; k += 1) {
      const b = direction === 'low-bins-riskier' ? k : this.bins - 1 - k;
      const positives = this.positives[b] as number;
      const negatives = this.negatives[b] as number;
      if (positives + negatives > 0) yield { positives, negatives };
    }
  }

  rocAuc(direction: RiskDirection): number {
    return rocAucFromGroups(this.groups(direction));
  }

  averagePrecision(direction: RiskDirection): number {
    return averagePrecisionFromGroups(this.groups(direction));
  }
}

/** 0–100 integer health scores; a low score predicts churn. */
export function scoreHistogram(): BinnedOutcomes {
  return new BinnedOutcomes(101);
}

const PROBABILITY_BINS = 10_000;

export interface ReliabilityBand {
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Streams predicted probabilities: exact Brier score, binned ranking metrics, reliability bands. */
export class ProbabilityAccumulator {
  readonly ranking = new BinnedOutcomes(PROBABILITY_BINS + 1);
  private squaredError = 0;
  private count = 0;
  private readonly bandCount = new Float64Array(10);
  private readonly bandPredicted = new Float64Array(10);
  private readonly bandPositives = new Float64Array(10);

  /** `weight` counts identical predictions at once (e.g. a whole score bin). */
  add(probability: number, positive: boolean, weight = 1): void {
    if (!(probability >= 0 && probability <= 1)) throw new RangeError(`probability out of range: ${probability}`);
    if (weight === 0) return;
    const y = positive ? 1 : 0;
    this.squaredError += weight * (probability - y) ** 2;
    this.count += weight;
    this.ranking.add(probability * PROBABILITY_BINS, positive, weight);
    const band = Math.min(9, Math.floor(probability * 10));
    this.bandCount[band] = (this.bandCount[band] as number) + weight;
    this.bandPredicted[band] = (this.bandPredicted[band] as number) + weight * probability;
    this.bandPositives[band] = (this.bandPositives[band] as number) + weight * y;
  }

  get snapshots(): number {
    return this.count;
  }

  brierScore(): number {
    return this.count === 0 ? Number.NaN : this.squaredError / this.count;
  }

  rocAuc(): number {
    return this.ranking.rocAuc('high-bins-riskier');
  }

  averagePrecision(): number {
    return this.ranking.averagePrecision('high-bins-riskier');
  }

  /** Predicted versus observed in tenths of probability: a calibrated model keeps them close. */
  reliability(): ReliabilityBand[] {
    const bands: ReliabilityBand[] = [];
    for (let b = 0; b < 10; b += 1) {
      const count = this.bandCount[b] as number;
      if (count === 0) continue;
      bands.push({
        from: b / 10,
        to: (b + 1) / 10,
        count,
        meanPredicted: (this.bandPredicted[b] as number) / count,
        observedRate: (this.bandPositives[b] as number) / count,
      });
    }
    return bands;
  }
}
