import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { stringify } from 'yaml';
import { ProbabilityModelSchema } from '../../backtest/index.ts';
import { ModelValidationError, parseModelText } from '../../scoring/index.ts';
import { findWorkspace, withAppContext } from '../../runtime/with-context.ts';
import { MODEL_SET_KEY, saveModelSet } from '../../use-cases/workspace-models.ts';
import { CliError, createOutput } from '../output.ts';
import { parse as parseYaml } from 'yaml';

const ProbabilityFile = z.object({
  modelId: z.string().optional(),
  churn: ProbabilityModelSchema.nullable(),
  expansion: ProbabilityModelSchema.nullable().default(null),
});

function readModelFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read model file ${path}: ${(error as Error).message}`, 2);
  }
  try {
    parseModelText(text, basename(path)); // validates with line/column and paths
  } catch (error) {
    // The parser's message already names the file, the path inside it and the problem.
    if (error instanceof ModelValidationError || error instanceof Error) throw new CliError(error.message, 2);
    throw error;
  }
  const raw: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  const document = z.record(z.string(), z.unknown()).parse(raw);
  // A single model file becomes a one-model set, the form a workspace stores.
  return 'models' in document ? document : { models: [document] };
}

export function registerModelsCommand(program: Command): void {
  const models = program.command('models').description('a workspace\'s scoring models: versions, drafts, publishing');

  models
    .command('list')
    .description('list model versions (published, drafts, retired) with their validation figures')
    .argument('<workspace>', 'workspace id or name')
    .option('--json', 'print JSON')
    .action(async (ref: string, options: { json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const rows = await withAppContext(async (ctx) => ctx.workspace((await findWorkspace(ctx, ref)).id).models.list());
      const list = rows.filter((r) => r.modelKey === MODEL_SET_KEY).map((r) => ({
        version: r.version, status: r.status, createdAt: r.createdAt, publishedAt: r.publishedAt, note: r.note,
        churnProbability: Boolean((r.predictive as { churn?: unknown } | null)?.churn),
      }));
      out.result(list, () =>
        list.length === 0
          ? 'No model versions yet: the default model is published at the first scoring.'
          : list.map((m) => `v${m.version}  ${m.status.padEnd(9)}  ${m.createdAt.toISOString().slice(0, 10)}  ${m.churnProbability ? 'churn probability  ' : ''}${m.note ?? ''}`).join('\n'),
      );
    });

  models
    .command('show')
    .description('print a model version as a model file (YAML, or JSON with --json)')
    .argument('<workspace>', 'workspace id or name')
    .argument('[version]', 'version number (default: the published one)')
    .option('--json', 'print JSON')
    .action(async (ref: string, version: string | undefined, options: { json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const rows = await withAppContext(async (ctx) => ctx.workspace((await findWorkspace(ctx, ref)).id).models.list());
      const candidates = rows.filter((r) => r.modelKey === MODEL_SET_KEY);
      const row = version ? candidates.find((r) => r.version === Number(version)) : candidates.filter((r) => r.status === 'published').at(-1);
      if (!row) throw new CliError(version ? `no model version ${version}` : 'no published model yet', 1);
      const { version: _v, ...definition } = row.definition;
      out.result(definition, () => `# ${MODEL_SET_KEY} v${row.version} (${row.status})\n${stringify(definition)}`);
    });

  models
    .command('import')
    .description('save a model file (e.g. written by `crm-health fit --out`) as a new draft version, or publish it')
    .argument('<workspace>', 'workspace id or name')
    .argument('<file>', 'model or model-set file (YAML or JSON)')
    .option('--probability <file>', 'probability models JSON written by `crm-health fit` (stored with the version)')
    .option('--publish', 'publish at once instead of saving a draft')
    .option('--note <text>', 'why this version exists')
    .option('--json', 'print JSON')
    .action(async (ref: string, file: string, options: { probability?: string; publish?: boolean; note?: string; json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const definition = readModelFile(file);
      let predictive = null;
      if (options.probability) {
        const parsed = ProbabilityFile.safeParse(JSON.parse(readFileSync(options.probability, 'utf8')));
        if (!parsed.success) throw new CliError(`${options.probability}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 2);
        predictive = { churn: parsed.data.churn, expansion: parsed.data.expansion, fittedAt: new Date().toISOString(), figures: {} };
      }
      const row = await withAppContext(async (ctx) =>
        saveModelSet(ctx.workspace((await findWorkspace(ctx, ref)).id), definition, {
          publish: Boolean(options.publish), predictive, note: options.note ?? `imported from ${basename(file)}`,
        }),
      );
      out.result({ version: row.version, status: row.status }, () =>
        row.status === 'published'
          ? `Published v${row.version}. The next scoring run uses it; scores record the version.`
          : `Saved draft v${row.version}. Review it with \`crm-health models show ${ref} ${row.version}\`, then \`crm-health models publish ${ref} ${row.version}\`.`,
      );
    });

  models
    .command('publish')
    .description('publish a draft version; the previously published version is retired (versions are never edited)')
    .argument('<workspace>', 'workspace id or name')
    .argument('<version>', 'the draft version number')
    .option('--json', 'print JSON')
    .action(async (ref: string, version: string, options: { json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const row = await withAppContext(async (ctx) => {
        const repo = ctx.workspace((await findWorkspace(ctx, ref)).id);
        const draft = (await repo.models.list()).find((r) => r.modelKey === MODEL_SET_KEY && r.version === Number(version));
        if (!draft) throw new CliError(`no model version ${version}`, 1);
        const published = await repo.models.publish(draft.id).catch((error: Error) => {
          throw new CliError(error.message, 1);
        });
        await repo.audit.record('cli', 'model.published', `${MODEL_SET_KEY} v${published.version}`);
        return published;
      });
      out.result({ version: row.version, status: row.status }, () => `Published v${row.version}.`);
    });
}
