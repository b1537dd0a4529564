#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load-config.ts';
import { registerBacktestCommand } from './commands/backtest.ts';
import { registerConnectCommand } from './commands/connect.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerFitCommand } from './commands/fit.ts';
import { registerHistoryCommands } from './commands/history.ts';
import { registerModelsCommand } from './commands/models.ts';
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerScoreCommand } from './commands/score.ts';
import { registerSettingsCommand } from './commands/settings.ts';
import { registerStatusCommand } from './commands/status.ts';
import { registerSyncCommand } from './commands/sync.ts';
import { registerServeCommands } from './commands/serve.ts';
import { CliError } from './output.ts';

export function buildProgram(): Command {
  const program = new Command('crm-health')
    .description('Customer health scores for HubSpot and Salesforce: explainable, honest about missing data, proven against churn.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerServeCommands(program);
  registerMigrateCommand(program);
  registerScoreCommand(program);
  registerBacktestCommand(program);
  registerFitCommand(program);
  registerDemoCommand(program);
  registerHistoryCommands(program);
  registerModelsCommand(program);
  registerConnectCommand(program);
  registerSettingsCommand(program);
  registerSyncCommand(program);
  registerStatusCommand(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof CliError) {
      process.stderr.write(`crm-health: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`crm-health: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  // `crm-health … | head` closes the pipe early: that is the reader's choice, not a crash.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const code = await main(process.argv.slice(2));
  // Long-running commands (start, worker…) keep the process alive themselves.
  if (code !== 0) process.exit(code);
}
