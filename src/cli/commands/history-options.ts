import type { Command } from 'commander';

/** The history inputs `backtest` and `fit` both read: the same flags, the same words. */
export function withHistoryInputs(command: Command): Command {
  return command
    .option('--signals <file>', 'signals history: account_id,metric,value,observed_at (CSV or .jsonl)')
    .option('--outcomes <file>', 'outcomes: account_id,outcome,occurred_at (churned|renewed|expanded)')
    .option('--accounts <file>', 'accounts file (segment, seats, customer_since, renewal_date, …)');
}

/** Wide-file mode and row handling, shared by `backtest` and `fit`. */
export function withWideInputs(command: Command): Command {
  return command
    .option('--wide <file>', 'wide file: one row per account with an outcome column')
    .option('--mapping <file>', 'wide-file mapping when --model is a plain model file')
    .option('--without <factors...>', 'leave these factors out (wide mode), e.g. --without status');
}
