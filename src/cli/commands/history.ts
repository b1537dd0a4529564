import { resolve } from 'node:path';
import type { Command } from 'commander';
import { findWorkspace, withAppContext } from '../../runtime/with-context.ts';
import { exportHistory } from '../../use-cases/export-history.ts';
import { importHistory } from '../../use-cases/import-history.ts';
import { CliError, createOutput } from '../output.ts';

export function registerHistoryCommands(program: Command): void {
  program
    .command('import')
    .description('import history files into a workspace: accounts, point-in-time signals and outcomes')
    .argument('[workspace]', 'workspace id or name (see `crm-health status`)')
    .option('--new <name>', 'create a new local workspace with this name instead')
    .option('--signals <file>', 'account_id,metric,value,observed_at (CSV or .jsonl)')
    .option('--accounts <file>', 'account_id,name,domain,segment,seats,customer_since,renewal_date,…')
    .option('--outcomes <file>', 'account_id,outcome,occurred_at (churned|renewed|expanded)')
    .option('--strict', 'stop at the first malformed row (default: reject it, keep the good rows)')
    .option('--json', 'print a JSON result')
    .action(async (ref: string | undefined, options: { new?: string; signals?: string; accounts?: string; outcomes?: string; strict?: boolean; json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      if (!options.signals && !options.accounts && !options.outcomes) throw new CliError('name at least one of --signals, --accounts, --outcomes', 2);
      if (!ref && !options.new) throw new CliError('name a workspace, or create one with --new "<name>"', 2);
      const result = await withAppContext(async (ctx) => {
        const workspace = options.new ? await ctx.directory.create({ name: options.new, kind: 'local' }) : await findWorkspace(ctx, ref ?? '');
        const files = {
          ...(options.signals ? { signals: resolve(options.signals) } : {}),
          ...(options.accounts ? { accounts: resolve(options.accounts) } : {}),
          ...(options.outcomes ? { outcomes: resolve(options.outcomes) } : {}),
        };
        return { workspace, ...(await importHistory(ctx.workspace(workspace.id), files, { strict: Boolean(options.strict) })) };
      });
      out.result(
        { workspace: { id: result.workspace.id, name: result.workspace.name }, accounts: result.accounts, signals: result.signals, duplicates: result.signalsDuplicate, outcomes: result.outcomes, rejected: result.rejected.map((r) => r.message) },
        () => [
          `Imported into "${result.workspace.name}" (${result.workspace.id}): ${result.accounts} accounts, ${result.signals} signals (${result.signalsDuplicate} already there), ${result.outcomes} outcomes.`,
          ...(result.rejected.length ? [`${result.rejected.length} rows rejected:`, ...result.rejected.slice(0, 20).map((r) => `  ${r.message}`)] : []),
        ].join('\n'),
      );
    });

  program
    .command('export')
    .description('write a workspace history as accounts.csv, signals.csv and outcomes.csv (for backtest and fit)')
    .argument('<workspace>', 'workspace id or name')
    .requiredOption('--out <dir>', 'folder to write the files into')
    .option('--json', 'print a JSON result')
    .action(async (ref: string, options: { out: string; json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const result = await withAppContext(async (ctx) => exportHistory(ctx.workspace((await findWorkspace(ctx, ref)).id), resolve(options.out)));
      out.result(result, () => `Wrote ${result.accounts} accounts, ${result.signals} signals and ${result.outcomes} outcomes:\n${result.files.map((f) => `  ${f}`).join('\n')}`);
    });
}
