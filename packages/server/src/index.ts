/**
 * @bluezone/server: the HTTP API, storage and jobs.
 *
 * @module
 */
export { type App, buildApp } from './app.js';
export {
  API_KEY_ROLES,
  type ApiKeyRole,
  STANDALONE_API_KEY_ROLES,
  USER_ROLES,
  type UserRole,
} from './auth.js';
export { CONFIG_EXIT_CODE, CONFIG_VARIABLES, type Config, ConfigError, loadConfig } from './config.js';
export { type AppContext, type AppDeps, createContext } from './context.js';
export { API_ERRORS, ApiError, type ApiErrorCode } from './errors.js';
export { createApiKey } from './features/api-keys.js';
export { type ExportsNowOutcome, runExportsNow } from './features/exports/exports.batcher.js';
export {
  importLegacyTrace,
  LEGACY_IMPORT_LIMITS,
  type LegacyImportResult,
} from './features/legacy-import/legacy-import.service.js';
export { ReportRejected } from './features/reports/reports.figures.js';
export {
  contentProblem,
  REPORT_FORMATS,
  REPORT_KINDS,
  type ReportContent,
  type ReportFormat,
  type ReportKind,
  type ReportParams,
} from './features/reports/reports.schemas.js';
export {
  FORMATS_OF,
  type IssuedReport,
  issueReport,
  type ReportDeps,
  type ReportRequest,
  reportFileName,
} from './features/reports/reports.service.js';
export { publishedSigningKeys } from './features/signing-keys/signing-keys.js';
export {
  type ImportedInstall,
  type ImportLineError,
  ImportRejected,
  type ImportSummary,
  InstallBulkWriter,
  importDenominators,
  importInstalls,
  openBulkSqlite,
} from './features/stats/imports.js';
export { parseAsOf } from './features/stats/periods.js';
export { type RebuildSummary, rebuildCounters } from './features/stats/rebuild.js';
export {
  carrierList,
  denominatorsOn,
  nationalStats,
  provinceStats,
  type Series,
  type SeriesPoint,
  type StatsDeps,
  type StatsQuery,
  seriesStats,
  tracingStats,
  vietnamIso,
} from './features/stats/stats.service.js';
export * from './features/stats/table.js';
export { createUser } from './features/users/users.service.js';
export { retentionJob } from './jobs/retention.js';
export { type Job, runJobOnce } from './jobs/scheduler.js';
export { closeOnSignals, type RunningServer, startServer } from './main.js';
export { loadAdminUnits } from './reference/admin-units.js';
export { loadPopulation, POPULATION_SOURCE } from './reference/population.js';
export { deriveSecrets, loadMasterKey } from './secrets.js';
export { createSmsSender } from './sms/create-sms-sender.js';
export { type MemorySmsSender, memorySmsSender } from './sms/memory-sender.js';
export type { SmsSender } from './sms/sms-sender.js';
export { migrateToLatest, migrationsFor } from './storage/migrate.js';
export { describeStorage, openStorage } from './storage/open.js';
export { openPostgres, openSqlite, type Storage } from './storage/storage.js';
