/**
 * L2-regularised logistic regression fitted by Newton's method (IRLS) on standardised
 * features. Newton needs no learning rate and no random initialisation, so the same data
 * always gives the same coefficients; with at most a few dozen factors the (p+1)² Hessian
 * is tiny. The intercept is not penalised.
 */

export type FeatureRow = ArrayLike<number>;

export interface LogisticOptions {
  /** Penalty λ on the squared standardised coefficients (sum-of-losses scale). */
  l2?: number;
  maxIterations?: number;
  /** Stop when the largest parameter change is below this. */
  tolerance?: number;
  /** Per-row weights (e.g. counts of identical rows); default 1. */
  weights?: ArrayLike<number>;
}

export interface LogisticModel {
  /** On the raw feature scale: logit = intercept + Σ coefficients[j]·x[j]. */
  intercept: number;
  coefficients: number[];
  /** Effect of one standard deviation of each feature on the logit, for comparing features. */
  standardizedCoefficients: number[];
  means: number[];
  scales: number[];
  iterations: number;
  converged: boolean;
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function fitLogisticRegression(
  rows: readonly FeatureRow[],
  targets: ArrayLike<number>,
  options: LogisticOptions = {},
): LogisticModel {
  const n = rows.length;
  if (n === 0) throw new RangeError('cannot fit logistic regression to zero rows');
  if (targets.length !== n) throw new RangeError(`length mismatch: ${n} rows, ${targets.length} targets`);
  const p = (rows[0] as FeatureRow).length;
  const l2 = options.l2 ?? 1;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-9;
  const weights = options.weights;
  const weightOf = (i: number): number => (weights === undefined ? 1 : (weights[i] as number));

  const { means, scales } = standardisation(rows, p, weightOf);
  // Design matrix with a leading 1 column, standardised, stored row-major for cache locality.
  const width = p + 1;
  const z = new Float64Array(n * width);
  for (let i = 0; i < n; i += 1) {
    const row = rows[i] as FeatureRow;
    if (row.length !== p) throw new RangeError(`row ${i} has ${row.length} features, expected ${p}`);
    z[i * width] = 1;
    for (let j = 0; j < p; j += 1) {
      const v = row[j] as number;
      if (!Number.isFinite(v)) throw new RangeError(`row ${i} feature ${j} is not a finite number`);
      z[i * width + j + 1] = (v - (means[j] as number)) / (scales[j] as number);
    }
  }

  const theta = new Float64Array(width);
  const objective = (t: Float64Array): number => {
    let loss = 0;
    for (let i = 0; i < n; i += 1) {
      const eta = dotRow(z, i, width, t);
      const y = targets[i] as number;
      loss += weightOf(i) * (softplus(eta) - y * eta);
    }
    for (let j = 1; j < width; j += 1) loss += 0.5 * l2 * (t[j] as number) ** 2;
    return loss;
  };

  let current = objective(theta);
  let iterations = 0;
  let converged = false;
  const gradient = new Float64Array(width);
  const hessian = new Float64Array(width * width);
  while (iterations < maxIterations) {
    iterations += 1;
    gradient.fill(0);
    hessian.fill(0);
    for (let i = 0; i < n; i += 1) {
      const w = weightOf(i);
      const mu = sigmoid(dotRow(z, i, width, theta));
      const residual = w * (mu - (targets[i] as number));
      const curvature = w * mu * (1 - mu);
      const base = i * width;
      for (let a = 0; a < width; a += 1) {
        const za = z[base + a] as number;
        gradient[a] = (gradient[a] as number) + residual * za;
        const scaled = curvature * za;
        for (let b = 0; b <= a; b += 1) hessian[a * width + b] = (hessian[a * width + b] as number) + scaled * (z[base + b] as number);
      }
    }
    for (let a = 1; a < width; a += 1) {
      gradient[a] = (gradient[a] as number) + l2 * (theta[a] as number);
      hessian[a * width + a] = (hessian[a * width + a] as number) + l2;
    }
    // A whisper of ridge keeps the system solvable for constant columns or separable data.
    for (let a = 0; a < width; a += 1) hessian[a * width + a] = (hessian[a * width + a] as number) + 1e-10;
    const step = solveSymmetric(hessian, gradient, width);

    // Backtracking keeps every step a descent step even far from the optimum.
    let scale = 1;
    let candidate = new Float64Array(width);
    let next = current;
    for (let halvings = 0; halvings < 30; halvings += 1) {
      candidate = theta.map((t, k) => t - scale * (step[k] as number));
      next = objective(candidate);
      if (next <= current + 1e-12 * Math.abs(current)) break;
      scale /= 2;
    }
    let maxChange = 0;
    for (let k = 0; k < width; k += 1) maxChange = Math.max(maxChange, Math.abs((candidate[k] as number) - (theta[k] as number)));
    theta.set(candidate);
    current = next;
    if (maxChange < tolerance) {
      converged = true;
      break;
    }
  }

  const standardizedCoefficients = Array.from(theta.subarray(1));
  const coefficients = standardizedCoefficients.map((c, j) => c / (scales[j] as number));
  let intercept = theta[0] as number;
  for (let j = 0; j < p; j += 1) intercept -= (coefficients[j] as number) * (means[j] as number);
  return { intercept, coefficients, standardizedCoefficients, means, scales, iterations, converged };
}

export function logit(model: Pick<LogisticModel, 'intercept' | 'coefficients'>, row: FeatureRow): number {
  let eta = model.intercept;
  for (let j = 0; j < model.coefficients.length; j += 1) eta += (model.coefficients[j] as number) * (row[j] as number);
  return eta;
}

export function predictProbability(model: Pick<LogisticModel, 'intercept' | 'coefficients'>, row: FeatureRow): number {
  return sigmoid(logit(model, row));
}

function standardisation(
  rows: readonly FeatureRow[],
  p: number,
  weightOf: (i: number) => number,
): { means: number[]; scales: number[] } {
  const means = new Array<number>(p).fill(0);
  const scales = new Array<number>(p).fill(0);
  let total = 0;
  rows.forEach((row, i) => {
    const w = weightOf(i);
    total += w;
    for (let j = 0; j < p; j += 1) means[j] = (means[j] as number) + w * (row[j] as number);
  });
  for (let j = 0; j < p; j += 1) means[j] = (means[j] as number) / total;
  rows.forEach((row, i) => {
    const w = weightOf(i);
    for (let j = 0; j < p; j += 1) scales[j] = (scales[j] as number) + w * ((row[j] as number) - (means[j] as number)) ** 2;
  });
  // A constant column keeps scale 1: its standardised values are all 0 and it cannot move the fit.
  for (let j = 0; j < p; j += 1) {
    const sd = Math.sqrt((scales[j] as number) / total);
    scales[j] = sd > 1e-12 ? sd : 1;
  }
  return { means, scales };
}

function dotRow(z: Float64Array, i: number, width: number, theta: Float64Array): number {
  let s = 0;
  const base = i * width;
  for (let k = 0; k < width; k += 1) s += (z[base + k] as number) * (theta[k] as number);
  return s;
}

/** Cholesky solve of H·x = g where only the lower triangle of H is filled. */
function solveSymmetric(h: Float64Array, g: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let s = h[i * n + j] as number;
      for (let k = 0; k < j; k += 1) s -= (l[i * n + k] as number) * (l[j * n + k] as number);
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(s, 1e-300));
      else l[i * n + j] = s / (l[j * n + j] as number);
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    let s = g[i] as number;
    for (let k = 0; k < i; k += 1) s -= (l[i * n + k] as number) * (y[k] as number);
    y[i] = s / (l[i * n + i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i -= 1) {
    let s = y[i] as number;
    for (let k = i + 1; k < n; k += 1) s -= (l[k * n + i] as number) * (x[k] as number);
    x[i] = s / (l[i * n + i] as number);
  }
  return x;
}
