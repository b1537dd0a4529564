/**
 * Accuracy figures for a risk ranking against known outcomes. Every ranking metric is
 * computed from "tie groups": runs of equal risk, ordered from highest risk to lowest,
 * each holding how many positives and negatives share that risk. The exact array
 * versions and the binned streaming versions both reduce to these groups, so the
 * formulas live once.
 */

export interface TieGroup {
  readonly positives: number;
  readonly negatives: number;
}

/** ROC-AUC: probability that a random positive out-ranks a random negative, ties counting half. */
export function rocAucFromGroups(groups: Iterable<TieGroup>): number {
  const list = [...groups];
  const totalPositives = sumBy(list, (g) => g.positives);
  const totalNegatives = sumBy(list, (g) => g.negatives);
  if (totalPositives === 0 || totalNegatives === 0) return Number.NaN;
  let negativesAtOrAbove = 0;
  let concordant = 0;
  for (const group of list) {
    const negativesBelow = totalNegatives - negativesAtOrAbove - group.negatives;
    concordant += group.positives * negativesBelow + 0.5 * group.positives * group.negatives;
    negativesAtOrAbove += group.negatives;
  }
  return concordant / (totalPositives * totalNegatives);
}

/**
 * PR-AUC as average precision: the mean of precision at each threshold weighted by the
 * recall gained there. A tie group is one threshold (as scikit-learn does), so tied
 * scores are never split in an order that flatters the model.
 */
export function averagePrecisionFromGroups(groups: Iterable<TieGroup>): number {
  const list = [...groups];
  const totalPositives = sumBy(list, (g) => g.positives);
  if (totalPositives === 0) return Number.NaN;
  let truePositives = 0;
  let flagged = 0;
  let ap = 0;
  for (const group of list) {
    truePositives += group.positives;
    flagged += group.positives + group.negatives;
    if (group.positives > 0) ap += (group.positives / totalPositives) * (truePositives / flagged);
  }
  return ap;
}

/** Groups an array ranking; higher `risk` means more likely positive. */
export function tieGroups(risk: ArrayLike<number>, labels: ArrayLike<number>): TieGroup[] {
  assertSameLength(risk, labels);
  const order = Array.from({ length: risk.length }, (_, i) => i).sort(
    (a, b) => (risk[b] as number) - (risk[a] as number),
  );
  const groups: TieGroup[] = [];
  let i = 0;
  while (i < order.length) {
    const value = risk[order[i] as number] as number;
    let positives = 0;
    let negatives = 0;
    while (i < order.length && risk[order[i] as number] === value) {
      if ((labels[order[i] as number] as number) > 0.5) positives += 1;
      else negatives += 1;
      i += 1;
    }
    groups.push({ positives, negatives });
  }
  return groups;
}

/** Exact ROC-AUC of a ranking; higher `risk` means more likely positive. NaN with only one class. */
export function rocAuc(risk: ArrayLike<number>, labels: ArrayLike<number>): number {
  return rocAucFromGroups(tieGroups(risk, labels));
}

/** Exact average precision (PR-AUC) of a ranking; higher `risk` means more likely positive. */
export function averagePrecision(risk: ArrayLike<number>, labels: ArrayLike<number>): number {
  return averagePrecisionFromGroups(tieGroups(risk, labels));
}

/** Mean squared error of predicted probabilities against 0/1 outcomes (lower is better). */
export function brierScore(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  assertSameLength(probabilities, labels);
  if (probabilities.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < probabilities.length; i += 1) {
    const d = (probabilities[i] as number) - (labels[i] as number);
    sum += d * d;
  }
  return sum / probabilities.length;
}

export function baseRate(labels: ArrayLike<number>): number {
  if (labels.length === 0) return Number.NaN;
  let positives = 0;
  for (let i = 0; i < labels.length; i += 1) if ((labels[i] as number) > 0.5) positives += 1;
  return positives / labels.length;
}

export interface ConfusionCounts {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
}

export interface ConfusionRates extends ConfusionCounts {
  /** Of the flagged accounts, the share that did churn. */
  precision: number;
  /** Of the accounts that churned, the share that were flagged (= 1 − FNR). */
  recall: number;
  /** Of the accounts that did not churn, the share that were flagged anyway. */
  falsePositiveRate: number;
  /** Of the accounts that churned, the share that were not flagged. */
  falseNegativeRate: number;
}

export function emptyConfusion(): ConfusionCounts {
  return { truePositives: 0, falsePositives: 0, falseNegatives: 0, trueNegatives: 0 };
}

export function addToConfusion(counts: ConfusionCounts, flagged: boolean, positive: boolean): void {
  if (flagged && positive) counts.truePositives += 1;
  else if (flagged) counts.falsePositives += 1;
  else if (positive) counts.falseNegatives += 1;
  else counts.trueNegatives += 1;
}

export function confusionRates(c: ConfusionCounts): ConfusionRates {
  const positives = c.truePositives + c.falseNegatives;
  const negatives = c.falsePositives + c.trueNegatives;
  const flagged = c.truePositives + c.falsePositives;
  return {
    ...c,
    precision: ratio(c.truePositives, flagged),
    recall: ratio(c.truePositives, positives),
    falsePositiveRate: ratio(c.falsePositives, negatives),
    falseNegativeRate: ratio(c.falseNegatives, positives),
  };
}

export interface TierOutcome {
  tier: string;
  snapshots: number;
  positives: number;
  /** Share of this tier's snapshots that churned (or expanded) within the horizon. */
  rate: number;
  /** `rate` divided by the base rate: 3.0 means three times as likely as an average account. */
  lift: number;
}

export function tierOutcomes(
  counts: ReadonlyMap<string, { snapshots: number; positives: number }>,
  tierOrder: readonly string[],
): TierOutcome[] {
  let snapshots = 0;
  let positives = 0;
  for (const c of counts.values()) {
    snapshots += c.snapshots;
    positives += c.positives;
  }
  const base = ratio(positives, snapshots);
  const tiers = [...tierOrder, ...[...counts.keys()].filter((t) => !tierOrder.includes(t)).sort()];
  return tiers.map((tier) => {
    const c = counts.get(tier) ?? { snapshots: 0, positives: 0 };
    const rate = ratio(c.positives, c.snapshots);
    return { tier, snapshots: c.snapshots, positives: c.positives, rate, lift: ratio(rate, base) };
  });
}

export function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? Number.NaN : numerator / denominator;
}

function sumBy<T>(items: readonly T[], f: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += f(item);
  return total;
}

function assertSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`length mismatch: ${a.length} predictions, ${b.length} labels`);
}
