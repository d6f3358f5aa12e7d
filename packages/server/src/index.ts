/**
 * @bluezone/server: the HTTP API, storage and jobs.
 *
 * @module
 */
export { type App, buildApp } from './app.js';
export { API_KEY_ROLES, type ApiKeyRole, USER_ROLES, type UserRole } from './auth.js';
export { CONFIG_EXIT_CODE, CONFIG_VARIABLES, type Config, ConfigError, loadConfig } from './config.js';
export { type AppContext, type AppDeps, createContext } from './context.js';
export { seedDemoData } from './demo.js';
export { API_ERRORS, ApiError, type ApiErrorCode } from './errors.js';
export { createApiKey } from './features/api-keys.js';
export { type ExportsNowOutcome, runExportsNow } from './features/exports/exports.batcher.js';
export {
  importLegacyTrace,
  LEGACY_IMPORT_LIMITS,
  type LegacyImportResult,
} from './features/legacy-import/legacy-import.service.js';
export { publishedSigningKeys } from './features/signing-keys/signing-keys.js';
export { createUser } from './features/users/users.service.js';
export { retentionJob } from './jobs/retention.js';
export { type Job, runJobOnce } from './jobs/scheduler.js';
export { closeOnSignals, type RunningServer, startServer } from './main.js';
export { loadAdminUnits } from './reference/admin-units.js';
export { deriveSecrets, loadMasterKey } from './secrets.js';
export { migrateToLatest, migrationsFor } from './storage/migrate.js';
export { describeStorage, openStorage } from './storage/open.js';
export { openPostgres, openSqlite, type Storage } from './storage/storage.js';
