import type { Command } from 'commander';
import { withAppContext } from '../../runtime/with-context.ts';
import { connectHubSpotToken } from '../../use-cases/hubspot/install-hubspot.ts';
import { CliError, createOutput } from '../output.ts';

export function registerConnectCommand(program: Command): void {
  const connect = program.command('connect').description('connect a CRM to crm-health');
  connect
    .command('hubspot')
    .description('connect one HubSpot portal with a private-app access token (self-hosted, single portal); validated against HubSpot before it is saved')
    .option('--token <token>', 'the private app access token (or set HUBSPOT_PRIVATE_APP_TOKEN, which keeps it out of shell history)')
    .option('--json', 'print a JSON result')
    .action(async (options: { token?: string; json?: boolean }) => {
      const out = createOutput(Boolean(options.json));
      const token = options.token ?? process.env.HUBSPOT_PRIVATE_APP_TOKEN;
      if (!token) throw new CliError('give the token with --token or HUBSPOT_PRIVATE_APP_TOKEN (HubSpot → Settings → Integrations → Private apps)', 2);
      const result = await withAppContext((ctx) => connectHubSpotToken(ctx, token));
      if (!result.ok) throw new CliError(`HubSpot refused the token (${result.reason}): ${result.message}`, 1);
      const p = result.portal;
      out.result(
        { workspaceId: p.workspaceId, workspaceName: p.workspaceName, connectionId: p.connectionId, portalId: p.hubId, reconnected: p.reconnected, provisioned: p.provisioned },
        () => [
          `${p.reconnected ? 'Reconnected' : 'Connected'} HubSpot portal ${p.hubId} to workspace "${p.workspaceName}" (${p.workspaceId}).`,
          'error' in p.provisioned
            ? `Health properties not provisioned yet: ${p.provisioned.error} (the first sync retries).`
            : `Health properties: ${p.provisioned.created} created, ${p.provisioned.repaired} repaired${p.provisioned.failed.length ? `, failed: ${p.provisioned.failed.join('; ')}` : ''}.`,
          `Next: crm-health sync ${p.workspaceId}`,
        ].join('\n'),
      );
    });
}
