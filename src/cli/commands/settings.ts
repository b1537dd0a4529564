import { type Command, InvalidArgumentError } from 'commander';
import { findWorkspace, withAppContext } from '../../runtime/with-context.ts';
import { SettingsError, updateHubSpotSettings, type SettingsChange } from '../../use-cases/hubspot/connection-settings.ts';
import { CliError, createOutput } from '../output.ts';

const mapping = (value: string, previous: SettingsChange['map'] = []) => {
  const match = /^([^=]+)=([^:]+)(?::(.+))?$/.exec(value);
  if (!match?.[1] || !match[2]) throw new InvalidArgumentError('expected property=metric or property=metric:transform, e.g. active_users_pct=usage.active_user_ratio');
  return [...previous, { property: match[1].trim(), metric: match[2].trim(), ...(match[3] ? { transform: match[3].trim() } : {}) }];
};
const list = (value: string, previous: string[] = []) => [...previous, value];
const points = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError('expected whole points from 1 to 100');
  return n;
};

export function registerSettingsCommand(program: Command): void {
  program
    .command('settings')
    .description("show or change a workspace's HubSpot settings: property → metric mappings, drop alerts, app event type")
    .argument('<workspace>', 'workspace id or name')
    .option('--map <property=metric[:transform]>', 'feed a company property into a metric (repeatable); transforms: number, boolean, days_since, days_until', mapping)
    .option('--unmap <property>', 'stop reading a property (repeatable)', list)
    .option('--seats-property <property>', 'company property holding licensed seats (per-seat factors)')
    .option('--drop-alert <points>', 'a fall of this many points leaves a note on the company timeline', points)
    .option('--app-event <name>', 'post timeline traces as this approved app event type instead of notes')
    .option('--notes', 'post timeline traces as notes (undo --app-event)')
    .option('--json', 'print JSON')
    .action(async (ref: string, options: { map?: SettingsChange['map']; unmap?: string[]; seatsProperty?: string; dropAlert?: number; appEvent?: string; notes?: boolean; json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const change: SettingsChange = {
        ...(options.map ? { map: options.map } : {}),
        ...(options.unmap ? { unmap: options.unmap } : {}),
        ...(options.seatsProperty ? { seatsProperty: options.seatsProperty } : {}),
        ...(options.dropAlert !== undefined ? { dropAlertPoints: options.dropAlert } : {}),
        ...(options.appEvent ? { appEventTypeName: options.appEvent } : options.notes ? { appEventTypeName: null } : {}),
      };
      const settings = await withAppContext(async (ctx) => {
        const repo = ctx.workspace((await findWorkspace(ctx, ref)).id);
        try {
          return await updateHubSpotSettings(repo, change);
        } catch (error) {
          if (error instanceof SettingsError) throw new CliError(error.message, 2);
          throw error;
        }
      });
      out.result(settings, () =>
        [
          `Mapped properties: ${settings.mapping.metrics.map((m) => `${m.property} → ${m.metric}${m.transform ? ` (${m.transform})` : ''}`).join(', ') || 'none'}`,
          `Seats property: ${settings.mapping.seatsProperty ?? 'none'}`,
          `Timeline trace: ${settings.appEventTypeName ? `app event ${settings.appEventTypeName}` : 'note'}, on tier changes and drops of ${settings.dropAlertPoints}+ points`,
          'Mapped properties are read at the next sync; add them to the webhook subscriptions (app-manifest/hubspot) for instant rescoring.',
        ].join('\n'),
      );
    });
}
