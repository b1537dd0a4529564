/**
 * Engine throughput: 1,000,000 accounts × 20 signals held in memory, scored through the compiled fast
 * path that scoreAccount, the CLI and the backtest share. Target ≥ 1,000,000 account-scorings/s on one core.
 * BENCH_ACCOUNTS=100000 node bench/scoring-engine.bench.ts for a quick run.
 */
import {
  compileModel,
  createNumericScore,
  defaultModel,
  scoreAccount,
  scoreNumeric,
  tierForScore,
  type Signal,
} from '../src/scoring/index.ts';

const ACCOUNTS = Number(process.env['BENCH_ACCOUNTS'] ?? 1_000_000);
const SIGNALS_PER_ACCOUNT = 20;
const TARGET = 1_000_000;

const compiled = compileModel(defaultModel);
const m = compiled.metrics.length;
const values = new Float64Array(ACCOUNTS * m).fill(Number.NaN);
const ages = new Float64Array(ACCOUNTS * m);
const seats = new Float64Array(ACCOUNTS);

/** Deterministic pseudo-random numbers so every run scores the same data. */
let seed = 42;
const random = (): number => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

/** A plausible value for each factor: somewhere across and a little beyond its anchors. */
const ranges = defaultModel.factors.map((f) => {
  const n = f.normalization;
  if (n.type === 'linear' || n.type === 'log') {
    const lo = Math.min(n.bad, n.good);
    const hi = Math.max(n.bad, n.good);
    return [lo - (hi - lo) * 0.2, hi + (hi - lo) * 0.2] as const;
  }
  if (n.type === 'bands') return [0, n.thresholds[n.thresholds.length - 1]! + 1] as const;
  return [0, 1] as const;
});

for (let a = 0; a < ACCOUNTS; a++) {
  seats[a] = 5 + Math.floor(random() * 500);
  // 20 of the model's factors have a signal; which ones rotate, so redistribution is exercised.
  const skip = a % m;
  let written = 0;
  for (let k = 0; k < m && written < SIGNALS_PER_ACCOUNT; k++) {
    const i = (skip + k) % m;
    const [lo, hi] = ranges[i]!;
    const metric = compiled.factorMetric[i]!;
    values[a * m + metric] = lo + random() * (hi - lo);
    ages[a * m + metric] = random() * 40;
    written++;
  }
}

const out = createNumericScore(compiled);
function run(count: number): number {
  let checksum = 0;
  for (let a = 0; a < count; a++) {
    scoreNumeric(compiled, values, ages, a * m, seats[a]!, out);
    const raw = out.rawScore;
    if (raw === raw) {
      const score = Math.round(raw);
      const insufficient = out.confidence < defaultModel.minConfidence;
      checksum += insufficient ? 0 : score + (tierForScore(score, defaultModel.tiers) === 'healthy' ? 1 : 0);
    }
  }
  return checksum;
}

run(Math.min(ACCOUNTS, 50_000)); // warm-up so the JIT has optimised the loop
const started = process.hrtime.bigint();
const checksum = run(ACCOUNTS);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const perSecond = ACCOUNTS / seconds;

// The convenience API (signal objects in, full result out) for comparison; drivers stay unrendered.
const FULL = Math.min(ACCOUNTS, 100_000);
const asOf = new Date('2025-06-30T00:00:00Z');
const signalSets: Signal[][] = [];
for (let a = 0; a < 1000; a++) {
  const list: Signal[] = [];
  for (let i = 0; i < m; i++) {
    const v = values[a * m + i]!;
    if (v === v) list.push({ metric: compiled.metrics[i]!, value: v, observedAt: new Date(asOf.getTime() - ages[a * m + i]! * 86_400_000) });
  }
  signalSets.push(list);
}
for (let a = 0; a < 10_000; a++) scoreAccount(defaultModel, signalSets[a % 1000]!, asOf, { seats: 50 });
const fullStarted = process.hrtime.bigint();
for (let a = 0; a < FULL; a++) scoreAccount(defaultModel, signalSets[a % 1000]!, asOf, { seats: 50 });
const fullPerSecond = FULL / (Number(process.hrtime.bigint() - fullStarted) / 1e9);

const memory = process.memoryUsage();
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number): string => `${fmt(bytes / 1_048_576)} MB`;
console.log(`accounts: ${fmt(ACCOUNTS)} × ${SIGNALS_PER_ACCOUNT} signals (${defaultModel.factors.length}-factor default model), checksum ${checksum}`);
console.log(`engine: ${fmt(perSecond)} scorings/s (target ${fmt(TARGET)}) ratio ${(perSecond / TARGET).toFixed(2)} in ${seconds.toFixed(2)} s`);
console.log(`scoreAccount (full result, lazy drivers): ${fmt(fullPerSecond)} scorings/s`);
console.log(`memory: peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}, heap used ${mb(memory.heapUsed)}, input arrays ${mb(values.byteLength + ages.byteLength)}`);
if (perSecond < TARGET) process.exitCode = 1;
