/**
 * Endpoints HubSpot calls on behalf of an installed portal: the app card and settings page
 * (`hubspot.fetch`, signature v3), webhooks (v3) and custom workflow actions (v2 or v3).
 *
 * Tenancy: the portal always comes from signed data — the query string `hubspot.fetch` adds
 * (covered by the v3 signature, which hashes the full URI), the events in a signed webhook
 * body, or `origin.portalId` in a signed action body — and every lookup is then scoped to
 * that portal's workspace.
 */
import express from 'express';
import type { ErrorRequestHandler, Request, Response, Router } from 'express';
import { z } from 'zod';
import { sendError } from './api-error.ts';
import { appSettingsUpdateSchema } from './app-settings.ts';
import type { AppSettingsUpdate, AppSettingsView } from './app-settings.ts';
import { withRecommendedPlays } from './health-details.ts';
import type { CompanyHealth } from './health-details.ts';
import { rawBodyOf, requireHubSpotSignature } from './signed-request.ts';
import { groupDeliveryByPortal, webhookDeliverySchema } from './webhook-events.ts';
import type { WebhookEvent } from './webhook-events.ts';
import {
  failContinue,
  healthDetailsOutput,
  isCompanyObject,
  workflowActionRequestSchema,
} from './workflow-actions.ts';
import type { WorkflowActionResponse } from './workflow-actions.ts';

export interface HubSpotAppDeps {
  /** The app's client secret: the key of every HubSpot request signature. */
  clientSecret: string;
  /** Public origin HubSpot calls (as in the project's `permittedUrls.fetch` / `targetUrl` / `actionUrl`). */
  publicUrl: string;
  resolveWorkspaceByPortal(portalId: string): Promise<{ workspaceId: string } | null>;
  /** Null when the workspace has no health for this company (never scored, or not its company). */
  getHealthDetails(workspaceId: string, companyId: string): Promise<CompanyHealth | null>;
  /** Null when the company is unknown in this workspace; `queued: false` when a rescore is already pending. */
  requestRescore(workspaceId: string, companyId: string): Promise<{ queued: boolean } | null>;
  getSettings(workspaceId: string): Promise<AppSettingsView>;
  saveSettings(workspaceId: string, update: AppSettingsUpdate): Promise<AppSettingsView>;
  /** Must be idempotent per `eventId`: HubSpot retries whole deliveries. */
  onCompanyEvents(workspaceId: string, events: WebhookEvent[]): Promise<void>;
  /** Clock for the signature window; tests pin it. */
  now?: () => number;
  /** Told about unexpected failures (the caller only sees a generic 500). */
  reportError?: (error: unknown, route: string) => void;
}

/** `hubspot.fetch` is capped at 1 MB each way; webhook deliveries are far smaller. */
const BODY_LIMIT = '1mb';

const numericId = z.string().regex(/^\d+$/, 'must be a numeric HubSpot id');

/** `hubspot.fetch` appends portalId, userId, userEmail and appId; only portalId matters here. */
const portalQuerySchema = z.looseObject({ portalId: numericId });
const cardQuerySchema = z.looseObject({ portalId: numericId, companyId: numericId });
const rescoreBodySchema = z.object({ companyId: z.union([numericId, z.number().int().nonnegative().transform(String)]) });

type Parsed<T> = { ok: true; value: T } | { ok: false };

function parseWith<T>(schema: z.ZodType<T>, input: unknown, res: Response): Parsed<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  sendError(res, 400, 'invalid_request', z.prettifyError(result.error));
  return { ok: false };
}

function jsonBody(req: Request, res: Response): Parsed<unknown> {
  const raw = rawBodyOf(req);
  if (!raw || raw.length === 0) {
    sendError(res, 400, 'invalid_request', 'A JSON body is required.');
    return { ok: false };
  }
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch {
    sendError(res, 400, 'invalid_request', 'The body is not valid JSON.');
    return { ok: false };
  }
}

export function createHubSpotAppRouter(deps: HubSpotAppDeps): Router {
  const router = express.Router();
  const signature = { clientSecret: deps.clientSecret, publicUrl: deps.publicUrl, now: deps.now };
  const signedV3 = requireHubSpotSignature(signature, ['v3']);
  // HubSpot signs custom workflow action requests with v2; take v3 too should it add it.
  const signedAction = requireHubSpotSignature(signature, ['v3', 'v2']);

  // Raw bytes for every route: the signature is over what was sent, not over a re-serialisation.
  router.use('/hubspot', express.raw({ type: () => true, limit: BODY_LIMIT }));

  async function workspaceFor(portalId: string, res: Response): Promise<string | null> {
    const workspace = await deps.resolveWorkspaceByPortal(portalId);
    if (!workspace) sendError(res, 404, 'portal_not_connected', `HubSpot portal ${portalId} is not connected to crm-health.`);
    return workspace?.workspaceId ?? null;
  }

  router.get('/hubspot/card', signedV3, async (req, res) => {
    const query = parseWith(cardQuerySchema, req.query, res);
    if (!query.ok) return;
    const workspaceId = await workspaceFor(query.value.portalId, res);
    if (!workspaceId) return;
    const health = await deps.getHealthDetails(workspaceId, query.value.companyId);
    if (!health) {
      sendError(res, 404, 'company_not_found', `No health score for company ${query.value.companyId} yet.`);
      return;
    }
    res.set('Cache-Control', 'no-store').json(withRecommendedPlays(health));
  });

  router.post('/hubspot/card/rescore', signedV3, async (req, res) => {
    const query = parseWith(portalQuerySchema, req.query, res);
    if (!query.ok) return;
    const json = jsonBody(req, res);
    if (!json.ok) return;
    const body = parseWith(rescoreBodySchema, json.value, res);
    if (!body.ok) return;
    const workspaceId = await workspaceFor(query.value.portalId, res);
    if (!workspaceId) return;
    const result = await deps.requestRescore(workspaceId, body.value.companyId);
    if (!result) {
      sendError(res, 404, 'company_not_found', `Company ${body.value.companyId} is not known to this workspace.`);
      return;
    }
    res.status(202).json(result);
  });

  router.get('/hubspot/settings', signedV3, async (req, res) => {
    const query = parseWith(portalQuerySchema, req.query, res);
    if (!query.ok) return;
    const workspaceId = await workspaceFor(query.value.portalId, res);
    if (!workspaceId) return;
    res.set('Cache-Control', 'no-store').json(await deps.getSettings(workspaceId));
  });

  router.post('/hubspot/settings', signedV3, async (req, res) => {
    const query = parseWith(portalQuerySchema, req.query, res);
    if (!query.ok) return;
    const json = jsonBody(req, res);
    if (!json.ok) return;
    const update = parseWith(appSettingsUpdateSchema, json.value, res);
    if (!update.ok) return;
    const workspaceId = await workspaceFor(query.value.portalId, res);
    if (!workspaceId) return;
    res.json(await deps.saveSettings(workspaceId, update.value));
  });

  router.post('/hubspot/webhooks', signedV3, async (req, res) => {
    const json = jsonBody(req, res);
    if (!json.ok) return;
    const delivery = parseWith(webhookDeliverySchema, json.value, res);
    if (!delivery.ok) return;
    const { byPortal, ignored } = groupDeliveryByPortal(delivery.value);
    const outcomes = await Promise.allSettled(
      byPortal.map(async ({ portalId, events }) => {
        const workspace = await deps.resolveWorkspaceByPortal(portalId);
        // An uninstalled portal's late events have nowhere to go; acknowledging stops retries.
        if (!workspace) return { portalId, connected: false, dispatched: 0 };
        await deps.onCompanyEvents(workspace.workspaceId, events);
        return { portalId, connected: true, dispatched: events.length };
      }),
    );
    const failed = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    for (const reason of failed) deps.reportError?.(reason, req.path);
    if (failed.length > 0) {
      // A non-2xx makes HubSpot redeliver the batch; handlers are idempotent per eventId.
      sendError(res, 500, 'internal', `Dispatch failed for ${failed.length} portal(s); HubSpot will retry.`);
      return;
    }
    const dispatched = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    res.json({
      received: delivery.value.length,
      dispatched: dispatched.reduce((n, p) => n + p.dispatched, 0),
      ignored,
      unknownPortals: dispatched.filter((p) => !p.connected).map((p) => p.portalId),
    });
  });

  async function companyAction(
    req: Request,
    res: Response,
    run: (workspaceId: string, companyId: string) => Promise<WorkflowActionResponse>,
  ): Promise<void> {
    const json = jsonBody(req, res);
    if (!json.ok) return;
    const action = parseWith(workflowActionRequestSchema, json.value, res);
    if (!action.ok) return;
    const { origin, object } = action.value;
    const workspace = await deps.resolveWorkspaceByPortal(origin.portalId);
    // FAIL_CONTINUE lets the customer's workflow go on; a 4xx would stop it on our account.
    if (!workspace || !isCompanyObject(object.objectType)) {
      res.json(failContinue());
      return;
    }
    res.json(await run(workspace.workspaceId, object.objectId));
  }

  router.post('/hubspot/actions/get-health-details', signedAction, (req, res) =>
    companyAction(req, res, async (workspaceId, companyId) => {
      const health = await deps.getHealthDetails(workspaceId, companyId);
      return health ? healthDetailsOutput(withRecommendedPlays(health)) : failContinue();
    }),
  );

  router.post('/hubspot/actions/rescore', signedAction, (req, res) =>
    companyAction(req, res, async (workspaceId, companyId) => {
      const result = await deps.requestRescore(workspaceId, companyId);
      return result ? { outputFields: { hs_execution_state: 'SUCCESS', rescore_queued: result.queued } } : failContinue();
    }),
  );

  const errors: ErrorRequestHandler = (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const type = typeof err === 'object' && err !== null && 'type' in err ? err.type : undefined;
    if (type === 'entity.too.large') {
      sendError(res, 413, 'payload_too_large', `Bodies are limited to ${BODY_LIMIT}.`);
      return;
    }
    deps.reportError?.(err, req.path);
    sendError(res, 500, 'internal', 'Something went wrong on our side.');
  };
  router.use('/hubspot', errors);

  return router;
}
