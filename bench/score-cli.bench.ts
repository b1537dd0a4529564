/**
 * The score command on a generated 2,000,000-row signals file (100,000 accounts × 20 metrics):
 * parse-only throughput against full scoring of the same file. Target: full within 2× of parse-only,
 * with memory set by the number of accounts, not by the file's size.
 * BENCH_ROWS=200000 node bench/score-cli.bench.ts for a quick run.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DEFAULT_LIFECYCLE, defaultModel } from '../src/scoring/index.ts';
import { readSignalBatches } from '../src/signal-files/index.ts';
import { scoreFiles } from '../src/use-cases/score-files.ts';

const ROWS = Number(process.env['BENCH_ROWS'] ?? 2_000_000);
const METRICS_PER_ACCOUNT = 20;
const ACCOUNTS = Math.ceil(ROWS / METRICS_PER_ACCOUNT);
const TARGET_RATIO = 2;

const dir = mkdtempSync(join(tmpdir(), 'score-cli-bench-'));
const signalsPath = join(dir, 'signals.csv');
const metrics = defaultModel.factors.map((f) => f.metric);

async function generate(): Promise<number> {
  const file = createWriteStream(signalsPath);
  let bytes = 0;
  const write = async (text: string): Promise<void> => {
    bytes += text.length;
    if (!file.write(text)) await once(file, 'drain');
  };
  await write('account_id,metric,value,observed_at\n');
  let row = 0;
  let lines: string[] = [];
  for (let a = 0; a < ACCOUNTS && row < ROWS; a++) {
    for (let k = 0; k < METRICS_PER_ACCOUNT && row < ROWS; k++, row++) {
      const metric = metrics[(a + k) % metrics.length]!;
      const day = 1 + ((a * 7 + k) % 28);
      lines.push(`acct-${a},${metric},${((a * 31 + k * 17) % 1000) / 1000},2025-06-${String(day).padStart(2, '0')}`);
    }
    if (lines.length >= 10_000) {
      await write(lines.join('\n') + '\n');
      lines = [];
    }
  }
  if (lines.length > 0) await write(lines.join('\n') + '\n');
  file.end();
  await once(file, 'finish');
  return bytes;
}

class NullSink extends Writable {
  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: () => void): void {
    callback();
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number): string => `${fmt(bytes / 1_048_576)} MB`;
const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;

try {
  const bytes = await generate();

  let started = process.hrtime.bigint();
  let parsed = 0;
  for await (const rows of readSignalBatches(createReadStream(signalsPath), { source: signalsPath })) parsed += rows.length;
  const parseSeconds = seconds(started);
  const rssAfterParse = process.resourceUsage().maxRSS * 1024;

  started = process.hrtime.bigint();
  const summary = await scoreFiles({
    signals: { path: signalsPath },
    models: { lifecycle: DEFAULT_LIFECYCLE, models: [defaultModel] },
    asOf: new Date('2025-06-30T23:59:59Z'),
    format: 'jsonl',
    strict: false,
    output: new NullSink(),
  });
  const scoreSeconds = seconds(started);
  const ratio = scoreSeconds / parseSeconds;

  console.log(`file: ${fmt(parsed)} rows, ${fmt(ACCOUNTS)} accounts, ${mb(bytes)}`);
  console.log(`parse only: ${fmt(parsed / parseSeconds)} rows/s (${parseSeconds.toFixed(2)} s)`);
  console.log(`full score: ${fmt(summary.signalRowsRead / scoreSeconds)} rows/s, ${fmt(summary.accountsScored / scoreSeconds)} accounts/s (${scoreSeconds.toFixed(2)} s)`);
  console.log(`cli: ratio ${ratio.toFixed(2)} full/parse-only (target ≤ ${TARGET_RATIO})`);
  console.log(`memory: peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} (after parse-only ${mb(rssAfterParse)}), file ${mb(bytes)}`);
  if (ratio > TARGET_RATIO) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
