/**
 * The backtest and fit figures on the public churn datasets in ../shared/datasets (see its
 * README for the reference figures): stratified 5-fold cross-validation, seed 1.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseModel, type Model } from '../src/scoring/index.ts';
import {
  fitModel,
  parseWideFile,
  parseWideMapping,
  wideBacktest,
  wideFitDataset,
  WideBundleSchema,
  withoutFactors,
  type FitResult,
  type WideDataset,
} from '../src/backtest/index.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const datasets = resolve(repoRoot, '..', 'shared', 'datasets');

function load(bundleFile: string, dataFile: string): { dataset: WideDataset; model: Model } {
  const bundle = WideBundleSchema.parse(parseYaml(readFileSync(resolve(repoRoot, 'examples', 'models', bundleFile), 'utf8')));
  return {
    dataset: parseWideFile(readFileSync(resolve(datasets, dataFile), 'utf8'), parseWideMapping(bundle.wide)),
    model: parseModel(bundle.model),
  };
}

function print(name: string, unfitted: number, fit: FitResult): void {
  console.log(
    `${name}: unfitted equal-weight ROC-AUC ${unfitted.toFixed(3)}; 5-fold CV ROC-AUC current ${fit.current.rocAuc.toFixed(3)}, ` +
      `fitted weights ${fit.fittedWeights.rocAuc.toFixed(3)}, churn probability ${fit.churnProbability.rocAuc.toFixed(3)} ` +
      `(PR-AUC ${fit.churnProbability.averagePrecision.toFixed(3)}, Brier ${fit.churnProbability.brierScore.toFixed(4)})`,
  );
}

describe('Iranian telecom churn (UCI 563)', () => {
  const { dataset, model } = load('iranian.yaml', 'iranian_churn_uci563.csv');

  it('removes the 300 exact duplicates before anything else', () => {
    expect(dataset.duplicatesRemoved).toBe(300);
    expect(dataset.rows).toHaveLength(2850);
  });

  it('ranks churners with the unfitted equal-weight score near the reference 0.84', () => {
    const result = wideBacktest(dataset, model);
    const without = wideBacktest(dataset, withoutFactors(model, ['status']));
    console.log(`Iranian unfitted ROC-AUC with Status ${result.overall.churn.rocAuc.toFixed(3)}, without ${without.overall.churn.rocAuc.toFixed(3)}`);
    expect(result.overall.churn.rocAuc).toBeGreaterThan(0.8);
    expect(result.overall.churn.rocAuc).toBeLessThan(0.9);
    expect(without.overall.churn.rocAuc).toBeGreaterThan(0.8);
    expect(without.overall.churn.averagePrecision).toBeGreaterThan(without.overall.churn.baseRate);
  });

  it('reaches a cross-validated ROC-AUC of at least 0.90 once fitted, with and without Status', () => {
    const withStatus = fitModel(wideFitDataset(dataset, model), { folds: 5, seed: 1, l2: 1 });
    const withoutModel = withoutFactors(model, ['status']);
    const withoutStatus = fitModel(wideFitDataset(dataset, withoutModel), { folds: 5, seed: 1, l2: 1 });
    print('Iranian (with Status)', withStatus.current.rocAuc, withStatus);
    print('Iranian (without Status)', withoutStatus.current.rocAuc, withoutStatus);
    for (const fit of [withStatus, withoutStatus]) {
      expect(fit.churnProbability.rocAuc).toBeGreaterThanOrEqual(0.9);
      expect(fit.fittedWeights.rocAuc).toBeGreaterThanOrEqual(0.9);
      expect(fit.fittedWeights.rocAuc).toBeGreaterThan(fit.current.rocAuc);
      // Calibrated: better than always predicting the base rate.
      const base = fit.churned / fit.examples;
      expect(fit.churnProbability.brierScore).toBeLessThan(base * (1 - base));
    }
    expect(withStatus.draft.model.version).toBeUndefined();
  });

  it('is deterministic for a seed', () => {
    const small = withoutFactors(model, ['status', 'customer_value', 'seconds_of_use']);
    const a = fitModel(wideFitDataset(dataset, small), { folds: 3, seed: 7, l2: 1 });
    const b = fitModel(wideFitDataset(dataset, small), { folds: 3, seed: 7, l2: 1 });
    expect(b.churnProbability.foldRocAuc).toEqual(a.churnProbability.foldRocAuc);
    expect(b.draft.input).toEqual(a.draft.input);
  });
});

describe('IBM Telco customer churn', () => {
  const { dataset, model } = load('telco.yaml', 'telco_customer_churn_ibm.csv');

  it('reads every row, leaving blank TotalCharges missing rather than zero', () => {
    expect(dataset.rows).toHaveLength(7043);
    expect(dataset.blankCells).toBe(11);
  });

  it('reaches a cross-validated ROC-AUC of at least 0.82 once fitted; the unfitted score lands near 0.75', () => {
    const unfitted = wideBacktest(dataset, model).overall.churn;
    const fit = fitModel(wideFitDataset(dataset, model), { folds: 5, seed: 1, l2: 1 });
    print('Telco', unfitted.rocAuc, fit);
    expect(unfitted.rocAuc).toBeGreaterThan(0.68);
    expect(unfitted.rocAuc).toBeLessThan(0.8);
    expect(fit.churnProbability.rocAuc).toBeGreaterThanOrEqual(0.82);
    expect(fit.fittedWeights.rocAuc).toBeGreaterThanOrEqual(0.82);
    // Weights must be fitted, not guessed: the fit gains a lot over equal weights.
    expect(fit.fittedWeights.rocAuc - fit.current.rocAuc).toBeGreaterThan(0.08);
    expect(fit.weights.factors.find((f) => f.factorId === 'contract_term')?.status).toBe('kept');
  });
});
