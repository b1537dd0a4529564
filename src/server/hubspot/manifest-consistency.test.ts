/** The HubSpot project and the routers must agree on URLs and field names, or HubSpot calls into nothing. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HEALTH_OUTPUT_FIELDS } from './workflow-actions.ts';

const projectApp = new URL('../../../app-manifest/hubspot/src/app/', import.meta.url);

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(new URL(path, projectApp), 'utf8'));
}

const actionSchema = z.object({
  type: z.literal('workflow-action'),
  config: z.object({
    actionUrl: z.string(),
    objectTypes: z.array(z.string()),
    outputFields: z.array(z.object({ typeDefinition: z.object({ name: z.string() }) })),
    labels: z.object({ en: z.object({ actionName: z.string(), outputFieldLabels: z.record(z.string(), z.string()) }) }),
  }),
});

describe('HubSpot project ↔ backend routes', () => {
  it('declares exactly the output fields "Get health details" returns, each with a label', () => {
    const action = actionSchema.parse(readJson('workflow-actions/get-health-details-hsmeta.json'));
    const names = action.config.outputFields.map((f) => f.typeDefinition.name);
    expect(new Set(names)).toEqual(new Set(HEALTH_OUTPUT_FIELDS));
    expect(Object.keys(action.config.labels.en.outputFieldLabels).sort()).toEqual([...names].sort());
    expect(action.config.actionUrl).toBe('${BACKEND_ORIGIN}/hubspot/actions/get-health-details');
    expect(action.config.objectTypes).toEqual(['COMPANY']);
  });

  it('points "Rescore company" and the webhooks at the routes that verify them', () => {
    const rescore = actionSchema.parse(readJson('workflow-actions/rescore-company-hsmeta.json'));
    expect(rescore.config.actionUrl).toBe('${BACKEND_ORIGIN}/hubspot/actions/rescore');
    const webhooks = z
      .object({ config: z.object({ settings: z.object({ targetUrl: z.string() }), subscriptions: z.object({ legacyCrmObjects: z.array(z.object({ subscriptionType: z.string() })) }) }) })
      .parse(readJson('webhooks/webhooks-hsmeta.json'));
    expect(webhooks.config.settings.targetUrl).toBe('${BACKEND_ORIGIN}/hubspot/webhooks');
    const types = new Set(webhooks.config.subscriptions.legacyCrmObjects.map((s) => s.subscriptionType));
    expect(types).toEqual(new Set(['company.creation', 'company.deletion', 'company.merge', 'company.restore', 'company.propertyChange']));
  });

  it('lets the card fetch the backend origin and requests the scopes the app needs', () => {
    const app = z
      .object({ config: z.object({ distribution: z.string(), auth: z.object({ type: z.string(), requiredScopes: z.array(z.string()), optionalScopes: z.array(z.string()) }), permittedUrls: z.object({ fetch: z.array(z.string()) }) }) })
      .parse(readJson('app-hsmeta.json'));
    expect(app.config.distribution).toBe('marketplace');
    expect(app.config.auth.type).toBe('oauth');
    expect(app.config.permittedUrls.fetch).toContain('${BACKEND_ORIGIN}');
    // HubSpot only accepts an app-event component when `timeline` is a required scope.
    expect(app.config.auth.requiredScopes).toEqual(expect.arrayContaining(['oauth', 'crm.objects.companies.write', 'crm.schemas.companies.write', 'tickets', 'timeline']));
    expect(app.config.auth.optionalScopes).toEqual(expect.arrayContaining(['sales-email-read', 'crm.objects.feedback_submissions.read']));
  });
});
