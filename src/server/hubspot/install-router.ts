import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../runtime/app-context.ts';
import {
  HUBSPOT_CALLBACK_PATH, HubSpotNotConfiguredError, beginHubSpotInstall, finishHubSpotInstall, type QueueFirstSync,
} from '../../use-cases/hubspot/install-hubspot.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function page(title: string, lines: string[], ok: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} — crm-health</title>
<style>body{font-family:system-ui,sans-serif;max-width:640px;margin:48px auto;color:#1f2328}h1{color:${ok ? '#1a7f37' : '#cf222e'}}li{margin:6px 0}</style></head>
<body><h1>${esc(title)}</h1><ul>${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul></body></html>`;
}

const CallbackQuery = z.object({
  code: z.string().max(512).optional(),
  state: z.string().max(2048).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(1000).optional(),
});

const FIX: Record<string, string> = {
  denied_consent: 'Nothing was installed. Start the install again from the marketplace listing and choose "Connect app" to allow access.',
  bad_state: 'Start the install again from the marketplace listing; the link you followed was not issued by us.',
  expired_state: 'The install link expired (they last 10 minutes). Start the install again.',
  replayed_state: 'This install link was already used. Start the install again for a fresh one.',
  missing_code: 'HubSpot did not send an authorisation code. Start the install again.',
  missing_scope: 'Ask a HubSpot super admin to install the app and grant every requested permission.',
  hubspot_error: 'HubSpot could not complete the connection. Try again in a few minutes; if it persists, contact support with the time of the attempt.',
};

/** The marketplace install: /oauth/hubspot/install → HubSpot consent → /oauth/hubspot/callback → a page saying what happened next. */
export function createHubSpotInstallRouter(ctx: AppContext, queueFirstSync: QueueFirstSync | undefined): Router {
  const router = Router();

  router.get('/oauth/hubspot/install', (_req, res) => {
    try {
      res.redirect(302, beginHubSpotInstall(ctx).url);
    } catch (error) {
      if (!(error instanceof HubSpotNotConfiguredError)) throw error;
      res.status(503).type('html').send(page('HubSpot is not configured on this server', [error.message], false));
    }
  });

  router.get(HUBSPOT_CALLBACK_PATH, async (req, res) => {
    const query = CallbackQuery.safeParse(req.query);
    if (!query.success) {
      res.status(400).type('html').send(page('Install failed', ['The callback parameters are malformed. Start the install again.'], false));
      return;
    }
    let result;
    try {
      result = await finishHubSpotInstall(ctx, query.data, queueFirstSync);
    } catch (error) {
      if (!(error instanceof HubSpotNotConfiguredError)) throw error;
      res.status(503).type('html').send(page('HubSpot is not configured on this server', [error.message], false));
      return;
    }
    if (!result.ok) {
      const status = result.reason === 'hubspot_error' ? 502 : result.reason === 'denied_consent' ? 200 : 400;
      const lines = [result.message, FIX[result.reason] ?? ''];
      if (result.reason === 'missing_scope') lines.push(`Missing permissions: ${result.missingScopes.join(', ')}`);
      ctx.logger.warn({ reason: result.reason }, 'HubSpot install did not complete');
      res.status(status).type('html').send(page(result.reason === 'denied_consent' ? 'Install cancelled' : 'Install failed', lines.filter(Boolean), false));
      return;
    }
    const p = result.portal;
    const provisioned = 'error' in p.provisioned
      ? `The "Customer Health" properties could not be created yet (${p.provisioned.error}); the first sync retries.`
      : `The "Customer Health" property group is ready on companies (${p.provisioned.created} properties created, ${p.provisioned.repaired} repaired).`;
    res.type('html').send(
      page(p.reconnected ? 'HubSpot reconnected' : 'crm-health is installed', [
        `Portal ${p.hubId} is connected to workspace "${p.workspaceName}".`,
        provisioned,
        p.syncQueued
          ? 'The first sync is running: companies, engagements, tickets and deals are read, then every company gets a health score with its reasons.'
          : 'Run `crm-health sync` to pull data and score companies.',
        'Open any company record in HubSpot and add the "Customer health" card to see scores, drivers and recommended plays.',
        'HubSpot gives engagement, support and contract signals but not product usage. Until usage data is mapped or imported, companies show "insufficient data" and name what is missing, instead of a score built on guesses.',
      ], true),
    );
  });
  return router;
}
