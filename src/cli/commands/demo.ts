import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { generatePortfolio } from '../../demo/generate-portfolio.ts';
import { writePortfolioFiles } from '../../demo/write-files.ts';
import { withAppContext } from '../../runtime/with-context.ts';
import { seedDemoWorkspace } from '../../use-cases/seed-demo-workspace.ts';
import { createOutput } from '../output.ts';

const integer = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
};

const date = (value: string) => {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime())) throw new InvalidArgumentError('expected an ISO date such as 2026-12-01');
  return d;
};

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('create the demo workspace: a synthetic SaaS portfolio with 18 months of signals, outcomes and scored history')
    .option('--seed <n>', 'random seed (same seed and end date → same portfolio)', integer('--seed', 0, 2 ** 31 - 1), 42)
    .option('--accounts <n>', 'number of accounts', integer('--accounts', 1, 100_000), 600)
    .option('--end-date <date>', 'last day of the portfolio (default: today)', date)
    .option('--out <dir>', 'write accounts.csv, signals.csv and outcomes.csv here instead of into the database (for `score` and `backtest`)')
    .option('--json', 'print a JSON result')
    .action(async (options: { seed: number; accounts: number; endDate?: Date; out?: string; json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const endDate = options.endDate ?? new Date();
      if (options.out) {
        const dir = resolve(options.out);
        const files = await writePortfolioFiles(generatePortfolio({ seed: options.seed, accounts: options.accounts, endDate }), dir);
        out.result(files, () =>
          [
            `Wrote the demo portfolio (seed ${options.seed}) to ${dir}:`,
            `  ${files.accountsFile}  ${files.rows.accounts} accounts`,
            `  ${files.signalsFile}  ${files.rows.signals} signals`,
            `  ${files.outcomesFile}  ${files.rows.outcomes} outcomes`,
            `Try: crm-health score --signals ${files.signalsFile} --accounts ${files.accountsFile}`,
          ].join('\n'),
        );
        return;
      }
      const result = await withAppContext((ctx) =>
        seedDemoWorkspace(ctx.directory, (id) => ctx.workspace(id), {
          seed: options.seed, accounts: options.accounts, endDate, onProgress: options.json ? undefined : (m) => out.info(m),
        }),
      );
      const summary = { ...result, workspace: { id: result.workspace.id, name: result.workspace.name } };
      out.result(summary, () =>
        result.created
          ? `Created "${result.workspace.name}" (${result.workspace.id}): ${result.accounts} accounts, ${result.signals} signals, ${result.outcomes} outcomes, ${result.scores} scores in ${(result.ms / 1000).toFixed(1)} s.`
          : `The demo workspace already exists: "${result.workspace.name}" (${result.workspace.id}), ${result.accounts} accounts.`,
      );
    });
}
