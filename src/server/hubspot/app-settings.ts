/** The slice of workspace settings the in-HubSpot settings page shows and may change. */
import { z } from 'zod';

export type ConnectionStatus = 'connected' | 'needs_reauth' | 'disconnected';

export interface TierThresholds {
  /** Lowest score that is Healthy (guide default 80). */
  healthyMin: number;
  /** Lowest score that is At Risk (guide default 40); below it is Critical. */
  atRiskMin: number;
}

export interface AppSettingsView {
  connection: {
    status: ConnectionStatus;
    portalId: string;
    /** ISO-8601 instants, null when unknown. */
    connectedAt: string | null;
    lastSyncAt: string | null;
  };
  /** Published model version scores are written with; null before the first publish. */
  modelVersion: string | null;
  tierThresholds: TierThresholds;
  /** A fall of more than this many points from one scoring run to the next leaves a timeline trace. */
  dropAlertPoints: number;
  /** The app's full web settings (factors, weights, segments, backtests). */
  webSettingsUrl: string;
}

const scorePoint = z.number().int().min(1).max(100);

export const appSettingsUpdateSchema = z
  .object({
    tierThresholds: z
      .object({ healthyMin: scorePoint, atRiskMin: scorePoint })
      .strict()
      .refine((t) => t.healthyMin > t.atRiskMin, {
        message: 'healthyMin must be above atRiskMin',
        path: ['healthyMin'],
      }),
    dropAlertPoints: scorePoint,
  })
  .strict();

export type AppSettingsUpdate = z.infer<typeof appSettingsUpdateSchema>;
