import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { databaseOptionsFromConfig, openDatabase } from '../../storage/database.ts';
import { createOutput } from '../output.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations (the app also does this at start); uses DATABASE_URL or the embedded database')
    .option('--json', 'print a JSON result')
    .action(async (options: { json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const config = loadConfig();
      const started = performance.now();
      const database = await openDatabase(databaseOptionsFromConfig(config));
      try {
        await database.migrate();
      } finally {
        await database.close();
      }
      const ms = Math.round(performance.now() - started);
      out.result({ ok: true, database: database.description, ms }, () => `Migrations applied to ${database.description} in ${ms} ms.`);
    });
}
