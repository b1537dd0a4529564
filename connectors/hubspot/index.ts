/** The HubSpot connector's public surface for the server, CLI and workers. */
export { HUBSPOT_MANIFEST, hubspotManifest, hubspotManifestFromEnv } from './manifest.ts';
export type { HubSpotManifest } from './manifest.ts';
export { HubSpotClient } from './client.ts';
export type { AccessTokenSource, ClientEvent } from './client.ts';
export { createHubSpotRuntime, createPortalClient } from './connection.ts';
export type { HubSpotRuntime, HubSpotRuntimeOptions } from './connection.ts';
export { startInstall, completeInstall, connectPrivateApp } from './install.ts';
export type { InstallConfig, InstallResult, CallbackQuery, PrivateAppConnectResult } from './install.ts';
export { provisionPortal, pullPortal, writeBackPortal } from './sync-portal.ts';
export type { PullPortalInput, PullPortalReport, WriteBackInput, WriteBackReport } from './sync-portal.ts';
export { HEALTH_PROPERTIES, toHealthProperties } from './write/health-properties.ts';
export type { HealthValues, HealthTier, HealthTrend, LifecycleStage } from './write/health-properties.ts';
export type { HealthChange, TraceMode } from './write/timeline-note.ts';
export type { CompanyMappingConfig, PropertyMetricMapping } from './pull/companies.ts';
export { parseUninstallEvents, indicatesUninstall, clearCredentialsOnUninstall } from './uninstall.ts';
export {
  createJournalClient,
  ensureLifecycleSubscription,
  readJournal,
  runtimeJournalDownloader,
  journalFileDownloader,
  requestClientCredentialsToken,
  ClientCredentialsTokenProvider,
} from './journal.ts';
export type { JournalPage, JournalReadResult, ReadJournalOptions, JournalDownloader, EnsureSubscriptionResult } from './journal.ts';
export type { UninstallEvent } from './uninstall.ts';
