/**
 * Platt scaling: a one-variable logistic regression from a raw predictor (a logit or a
 * health score) to a probability. It is fitted on predictions the underlying model made
 * for rows it did not train on, otherwise it would learn the model's over-confidence.
 */
import { fitLogisticRegression, sigmoid } from './logistic-regression.ts';

export interface PlattCalibration {
  kind: 'platt';
  /** probability = sigmoid(slope · x + intercept) */
  slope: number;
  intercept: number;
}

/**
 * Fits Platt scaling. Targets use Platt's prior correction ((N₊+1)/(N₊+2) and 1/(N₋+2))
 * so a perfectly separated predictor does not drive the slope to infinity.
 * `weights` lets binned data (one row per score with a count) be fitted exactly.
 */
export function fitPlatt(
  predictor: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights?: ArrayLike<number>,
): PlattCalibration {
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < labels.length; i += 1) {
    const w = weights === undefined ? 1 : (weights[i] as number);
    if ((labels[i] as number) > 0.5) positives += w;
    else negatives += w;
  }
  const high = (positives + 1) / (positives + 2);
  const low = 1 / (negatives + 2);
  const rows = Array.from({ length: predictor.length }, (_, i) => [predictor[i] as number]);
  const targets = Array.from({ length: labels.length }, (_, i) => ((labels[i] as number) > 0.5 ? high : low));
  const fitted = fitLogisticRegression(rows, targets, { l2: 0, ...(weights === undefined ? {} : { weights }) });
  return { kind: 'platt', slope: fitted.coefficients[0] as number, intercept: fitted.intercept };
}

export function applyPlatt(calibration: PlattCalibration, x: number): number {
  return sigmoid(calibration.slope * x + calibration.intercept);
}
