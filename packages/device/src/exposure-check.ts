/**
 * The exposure check: download the key files the phone has not processed yet, verify them,
 * match them against the sighting log, and commit each file's matches with its processed marker.
 *
 * 1. **Configuration.** Fetch and adopt the signed configuration (config-sync.ts). If that fails
 *    and a configuration was adopted before, the check goes on with it (and reports
 *    `configError`); without one it fails.
 * 2. **Index.** `GET` the configuration's `keyFiles.indexPath` (`/v1/exports/index.txt`): one
 *    path per line, relative to the index's directory, oldest first. Lines that are not plain
 *    relative paths (no `..`, no scheme, no leading `/`) are ignored, so the index cannot send
 *    the phone to another host. Markers of files the index no longer lists are forgotten.
 * 3. **Incremental.** Only files without a marker are downloaded — and rejected files again, up
 *    to {@link MAX_FILE_ATTEMPTS} attempts in all. A file whose name gives its end time
 *    (`<region>/<start>-<end>-<n>.zip`, Unix seconds) and which ended more than the matching
 *    tolerance (2 h) before the oldest sighting in the log cannot match anything — the server
 *    publishes a key only once its day is over — and is marked `skipped` without download.
 * 4. **Per file**, in index order: download; parse (`exportParseFile`) and verify the signature
 *    with the key-file public keys of the signed configuration (`exportVerifyFile`; any of them
 *    may sign). A file that does not parse or verify is **rejected** and recorded with the
 *    reason, and the check goes on with the next file. Otherwise match its keys and revised keys
 *    (one batch per file, calibrated attenuation for this phone's model) through the
 *    {@link ParallelMatcher} port — in this thread by default ({@link inThreadMatcher}), on
 *    worker threads with `@bluezone/device/node-workers` — and commit **in one store
 *    transaction** its matches (one record per matched key,
 *    keyed by the key's hash, so a key seen again — in a later file or a retry — replaces its
 *    record instead of counting twice), the deletion of matches of keys the file revokes, and
 *    the file's marker. A crash or a lost connection before the commit leaves nothing of the
 *    file; the next check downloads it again.
 * 5. **Errors.** The HTTP client retries network errors, 5xx and 429 with back-off; when it
 *    gives up, the check stops (`failed`), keeping every file committed so far. A 404 for a
 *    listed file (deleted by retention between the index and the download) marks it `skipped`;
 *    another 4xx rejects it. A matcher that fails (`matching_worker_failed`: a worker thread
 *    died) stops the check the same way: the file was not at fault, so it gets no marker and
 *    the next check matches it again.
 *
 * The state the app shows — `status`, `lastCheckAt`, `lastSuccessfulCheckAt`, `lastError` — is
 * kept in the store ({@link ExposureCheckState}).
 *
 * @module
 */
import {
  buildSightingIndex,
  createSightingMatcher,
  EXPORT_SIGNATURE_ALGORITHM,
  type ExposureKey,
  exportImportVerificationKey,
  exportParseFile,
  exportVerifyFile,
  MATCHING_DEFAULT_TOLERANCE_SECONDS,
  type MatchingOptions,
  type MatchingResult,
  ReportType,
  riskAttenuationFunction,
  type SightingIndex,
  SightingLogBuilder,
  verificationBase64Decode,
  verificationBase64Encode,
} from '@bluezone/protocol';
import type { DeviceConfig } from './config.js';
import { adoptedConfig, refreshConfig } from './config-sync.js';
import type { DeviceContext } from './context.js';
import { DeviceError, describeError, isDeviceError } from './errors.js';
import { computeExposureResults, type ExposureResults, NO_EXPOSURE_RESULTS } from './results.js';
import {
  type DeviceStoreMutation,
  type ProcessedFile,
  putSetting,
  type StoredExposureMatch,
  type StoredSighting,
} from './store.js';

/** Attempts at a rejected file before it is given up (it is recorded either way). */
export const MAX_FILE_ATTEMPTS = 3;
/** Most paths read from an index. */
export const MAX_INDEX_PATHS = 100_000;

const INDEX_LINE = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;
const FILE_TIMES = /(?:^|\/)(\d{1,12})-(\d{1,12})-\d{1,12}\.zip$/;

/** Where the exposure check stands. */
export type ExposureCheckStatus = 'never' | 'running' | 'ok' | 'partial' | 'failed';

/** The state of the exposure check, as the app shows it. */
export interface ExposureCheckState {
  /**
   * `ok`: every listed file was processed; `partial`: the check completed but some files were
   * rejected; `failed`: it stopped early (see `lastError`); `running`: a check is under way (or
   * was interrupted by the app's end); `never`: no check yet.
   */
  readonly status: ExposureCheckStatus;
  /** When the last check started, Unix ms. */
  readonly lastCheckAt: number | null;
  /** When the last check that completed (`ok` or `partial`) started, Unix ms. */
  readonly lastSuccessfulCheckAt: number | null;
  /** Why the last check failed or was partial. */
  readonly lastError: { readonly code: string; readonly message: string } | null;
}

/** The initial state. */
export const NEVER_CHECKED: ExposureCheckState = Object.freeze({
  status: 'never',
  lastCheckAt: null,
  lastSuccessfulCheckAt: null,
  lastError: null,
});

/** A file the check rejected, and why (an error code). */
export interface RejectedFile {
  readonly path: string;
  readonly reason: string;
}

/** What one check did. */
export interface ExposureCheckOutcome {
  readonly status: 'ok' | 'partial' | 'failed';
  readonly startedAt: number;
  readonly finishedAt: number;
  /** The configuration used, null when none could be had. */
  readonly configVersion: string | null;
  /** Why the configuration could not be refreshed (the adopted one was used), else null. */
  readonly configError: { readonly code: string; readonly message: string } | null;
  /** Paths the index listed. */
  readonly filesListed: number;
  /** Files processed by this check (downloaded, verified, matched, committed). */
  readonly filesProcessed: number;
  /** Files marked skipped by this check (could not match, or gone). */
  readonly filesSkipped: number;
  /** Files rejected by this check. */
  readonly filesRejected: readonly RejectedFile[];
  /** Files already handled by earlier checks. */
  readonly filesAlreadyDone: number;
  /** Keys matched by this check. */
  readonly newMatches: number;
  /** Why the check failed, else null. */
  readonly error: { readonly code: string; readonly message: string } | null;
  /** The results after the check. */
  readonly results: ExposureResults;
}

/**
 * The matching step of the exposure check, as a port: published keys against the indexed
 * sighting log. Every implementation returns exactly what `createSightingMatcher(index,
 * options)` fed the batches in order returns — same matches (with the caller's key objects),
 * windows and stats — and throws the same `ProtocolError`s (bad key, bad option, bad
 * attenuation result). The default, {@link inThreadMatcher}, is that matcher in the calling
 * thread (React Native, browsers); `createNodeWorkerMatcher()` of `@bluezone/device/node-workers`
 * spreads large batches over worker threads.
 */
export interface ParallelMatcher {
  /**
   * Matches `keyBatches` (in order, as one run: a sighting counts for the first key that
   * matches it) against `index`.
   *
   * @throws {ProtocolError} as `createSightingMatcher` and `addKeys` throw.
   * @throws {DeviceError} `matching_worker_failed` when the adapter's worker failed (not the
   *   input's fault: the check stops and matches the file again next time).
   */
  match(
    index: SightingIndex,
    keyBatches: readonly (readonly ExposureKey[])[],
    options: MatchingOptions,
  ): Promise<MatchingResult>;
  /**
   * A hint that matching against `index` follows (the check calls it as its first download
   * starts): an adapter may start its workers and hand them the log meanwhile. Never throws; a
   * failure shows in the next `match`.
   */
  prepare?(index: SightingIndex): void;
}

/** The default {@link ParallelMatcher}: `createSightingMatcher` in the calling thread. */
export const inThreadMatcher: ParallelMatcher = Object.freeze({
  async match(
    index: SightingIndex,
    keyBatches: readonly (readonly ExposureKey[])[],
    options: MatchingOptions,
  ): Promise<MatchingResult> {
    const matcher = createSightingMatcher(index, options);
    for (const batch of keyBatches) matcher.addKeys(batch);
    return matcher.result();
  },
});

/** Options of a check. */
export interface ExposureCheckOptions {
  /**
   * Mark files that ended before the oldest sighting (beyond the tolerance) skipped without
   * downloading them (default true). It relies on the server's embargo of still-valid keys.
   */
  readonly skipFilesBeforeFirstSighting?: boolean;
}

/**
 * Parses an `index.txt`: its valid paths in order (each once), and how many lines were not
 * acceptable paths.
 */
export function parseKeyFileIndex(text: string): { readonly paths: string[]; readonly invalidLines: number } {
  const paths: string[] = [];
  const seen = new Set<string>();
  let invalidLines = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const segments = line.split('/');
    if (
      line.length > 256 ||
      !INDEX_LINE.test(line) ||
      segments.includes('..') ||
      segments.includes('.') ||
      paths.length >= MAX_INDEX_PATHS
    ) {
      invalidLines++;
      continue;
    }
    if (!seen.has(line)) {
      seen.add(line);
      paths.push(line);
    }
  }
  return { paths, invalidLines };
}

/** The end time of a key file from its name (`…/<start>-<end>-<n>.zip`), Unix ms, if it has one. */
export function keyFileEndMs(path: string): number | undefined {
  const m = FILE_TIMES.exec(path);
  return m ? Number(m[2]) * 1000 : undefined;
}

/** The directory of the index (`/v1/exports/index.txt` → `/v1/exports`). */
function indexDirectory(indexPath: string): string {
  return indexPath.slice(0, indexPath.lastIndexOf('/'));
}

/** Standard base64 of SHA-256 of a key's 16 bytes: its identity in matches and reports. */
export function keyHashOf(ctx: DeviceContext, keyData: Uint8Array): string {
  return verificationBase64Encode(ctx.crypto.sha256(keyData));
}

function buildIndex(ctx: DeviceContext, sightings: readonly StoredSighting[]): SightingIndex | undefined {
  if (sightings.length === 0) return undefined;
  const builder = new SightingLogBuilder(sightings.length);
  for (const s of sightings) builder.add(s.rpi, s.aem, s.timeMs / 1000, s.rssiDbm, s.receiverModel);
  return buildSightingIndex(builder.build(), { random: ctx.random });
}

/** The current results, from the stored matches and the adopted configuration. */
export async function currentResults(ctx: DeviceContext, nowMs: number): Promise<ExposureResults> {
  const config = await adoptedConfig(ctx);
  if (!config) return NO_EXPOSURE_RESULTS;
  const matches = await ctx.store.listExposureMatches();
  return computeExposureResults(
    matches,
    config.risk.parameters,
    config.version,
    config.exposureTimeGranularity,
    nowMs,
  );
}

/** Runs one exposure check (see the module comment). Never throws for network or server failures. */
export async function runExposureCheck(
  ctx: DeviceContext,
  options: ExposureCheckOptions = {},
  matcher: ParallelMatcher = inThreadMatcher,
): Promise<ExposureCheckOutcome> {
  const startedAt = ctx.clock.now();
  const previous = (await ctx.store.getSetting('checkState')) ?? NEVER_CHECKED;
  await putSetting(ctx.store, 'checkState', { ...previous, status: 'running', lastCheckAt: startedAt });

  let config: DeviceConfig | undefined;
  let configError: ExposureCheckOutcome['configError'] = null;
  try {
    config = (await refreshConfig(ctx)).config;
  } catch (error) {
    configError = describeError(error);
    config = await adoptedConfig(ctx);
  }

  const counts = { listed: 0, processed: 0, skipped: 0, alreadyDone: 0, newMatches: 0 };
  const rejected: RejectedFile[] = [];
  let failure: ExposureCheckOutcome['error'] = null;
  try {
    if (!config) {
      throw new DeviceError(
        'config_unavailable',
        `no verified configuration: ${configError?.message ?? 'none adopted'}`,
      );
    }
    await processIndex(ctx, config, options, matcher, startedAt, counts, rejected);
  } catch (error) {
    failure = describeError(error);
  }

  const finishedAt = ctx.clock.now();
  const status = failure ? 'failed' : rejected.length > 0 ? 'partial' : 'ok';
  const lastError =
    failure ??
    (rejected.length > 0
      ? {
          code: 'files_rejected',
          message: `${rejected.length} key file(s) rejected: ${rejected.map((r) => `${r.path} (${r.reason})`).join(', ')}`,
        }
      : null);
  await putSetting(ctx.store, 'checkState', {
    status,
    lastCheckAt: startedAt,
    lastSuccessfulCheckAt: status === 'failed' ? previous.lastSuccessfulCheckAt : startedAt,
    lastError,
  });
  return {
    status,
    startedAt,
    finishedAt,
    configVersion: config?.version ?? null,
    configError,
    filesListed: counts.listed,
    filesProcessed: counts.processed,
    filesSkipped: counts.skipped,
    filesRejected: rejected,
    filesAlreadyDone: counts.alreadyDone,
    newMatches: counts.newMatches,
    error: failure,
    results: await currentResults(ctx, finishedAt),
  };
}

async function processIndex(
  ctx: DeviceContext,
  config: DeviceConfig,
  options: ExposureCheckOptions,
  matcher: ParallelMatcher,
  nowMs: number,
  counts: { listed: number; processed: number; skipped: number; alreadyDone: number; newMatches: number },
  rejected: RejectedFile[],
): Promise<void> {
  const { body: indexText } = await ctx.http.request({
    method: 'GET',
    path: config.keyFiles.indexPath,
    expect: 'text',
  });
  const { paths } = parseKeyFileIndex(indexText);
  counts.listed = paths.length;
  const listed = new Set(paths);
  const markers = new Map((await ctx.store.listProcessedFiles()).map((f) => [f.path, f]));
  const gone = [...markers.keys()].filter((p) => !listed.has(p));
  if (gone.length > 0) await ctx.store.apply([{ type: 'deleteProcessedFiles', paths: gone }]);

  const todo = paths.filter((p) => {
    const marker = markers.get(p);
    const done =
      marker !== undefined && (marker.status !== 'rejected' || marker.attempts >= MAX_FILE_ATTEMPTS);
    if (done) counts.alreadyDone++;
    return !done;
  });
  if (todo.length === 0) return;

  const sightings = await ctx.store.listSightings();
  const index = buildIndex(ctx, sightings);
  const toleranceMs = MATCHING_DEFAULT_TOLERANCE_SECONDS * 1000;
  const horizonMs = sightings[0]?.timeMs ?? nowMs;
  const skipEarly = options.skipFilesBeforeFirstSighting !== false;
  const directory = indexDirectory(config.keyFiles.indexPath);
  const verifier = fileVerifier(config);
  const attenuation = riskAttenuationFunction(ctx.deviceOem === undefined ? {} : { oem: ctx.deviceOem });
  let prepared = false;

  for (const path of todo) {
    const attempts = (markers.get(path)?.attempts ?? 0) + 1;
    const marker = (
      status: ProcessedFile['status'],
      reason: string | null,
      keyCount = 0,
      matchedKeyCount = 0,
    ) => ({
      type: 'putProcessedFile' as const,
      file: { path, status, processedAt: ctx.clock.now(), attempts, reason, keyCount, matchedKeyCount },
    });
    const reject = async (reason: string) => {
      rejected.push({ path, reason });
      await ctx.store.apply([marker('rejected', reason)]);
    };

    if (skipEarly) {
      const endMs = keyFileEndMs(path);
      const reason =
        index === undefined
          ? 'no_sightings'
          : endMs !== undefined && endMs + toleranceMs < horizonMs
            ? 'before_first_sighting'
            : undefined;
      if (reason !== undefined) {
        await ctx.store.apply([marker('skipped', reason)]);
        counts.skipped++;
        continue;
      }
    }

    // Let the matcher get ready (start workers, take the log) while the first file downloads.
    if (!prepared && index !== undefined) {
      matcher.prepare?.(index);
      prepared = true;
    }
    let zip: Uint8Array;
    try {
      zip = (await ctx.http.request({ method: 'GET', path: `${directory}/${path}`, expect: 'bytes' })).body;
    } catch (error) {
      if (error instanceof DeviceError && error.code === 'http_error' && error.status === 404) {
        await ctx.store.apply([marker('skipped', 'not_found')]);
        counts.skipped++;
        continue;
      }
      if (
        error instanceof DeviceError &&
        error.code === 'http_error' &&
        error.status !== undefined &&
        error.status < 500
      ) {
        await reject(`http_${error.status}`);
        continue;
      }
      throw error;
    }

    const parsed = exportParseFile(zip);
    if (!parsed.ok) {
      await reject(parsed.error.code);
      continue;
    }
    const verified = await verifier(parsed.value);
    if (verified !== undefined) {
      await reject(verified);
      continue;
    }
    const { keys, revisedKeys } = parsed.value.contents;
    const keyCount = keys.length + revisedKeys.length;
    const revoked = revisedKeys.filter((k) => k.reportType === ReportType.REVOKED);
    const candidates: ExposureKey[] = [
      ...keys,
      ...revisedKeys.filter((k) => k.reportType !== ReportType.REVOKED),
    ];
    const mutations: DeviceStoreMutation[] = revoked.map((k) => ({
      type: 'deleteExposureMatch',
      keyHash: keyHashOf(ctx, k.keyData),
    }));
    let matched = 0;
    if (index !== undefined && candidates.length > 0) {
      let matching: MatchingResult;
      try {
        matching = await matcher.match(index, [candidates], { crypto: ctx.crypto, attenuation });
      } catch (error) {
        // A dead worker is not the file's fault: stop the check, leave the file unmarked.
        if (isDeviceError(error, 'matching_worker_failed')) throw error;
        await reject(describeError(error).code);
        continue;
      }
      for (const m of matching.matches) {
        if (m.windows.length === 0) continue;
        const match: StoredExposureMatch = {
          keyHash: keyHashOf(ctx, m.key.keyData),
          rollingStartIntervalNumber: m.key.rollingStartIntervalNumber,
          rollingPeriod: m.key.rollingPeriod,
          reportType: m.reportType,
          sourceLevel: m.sourceLevel ?? null,
          windows: m.windows,
          sightingTimesMs: m.sightings.map((s) => Math.round(s.timeSeconds * 1000)),
          sourcePath: path,
          matchedAt: nowMs,
          lastDayMs: Math.max(...m.windows.map((w) => w.dateMillisSinceEpoch)),
        };
        mutations.push({ type: 'putExposureMatch', match });
        matched++;
      }
    }
    mutations.push(marker('processed', null, keyCount, matched));
    await ctx.store.apply(mutations);
    counts.processed++;
    counts.newMatches += matched;
  }
}

/** Verifies a parsed file with any key-file public key of the configuration; the failure code, or undefined. */
function fileVerifier(config: DeviceConfig) {
  const keys = config.keyFiles.publicKeys.filter((k) => k.algorithm === EXPORT_SIGNATURE_ALGORITHM);
  let imported: Promise<(CryptoKey | undefined)[]> | undefined;
  return async (file: Parameters<typeof exportVerifyFile>[0]): Promise<string | undefined> => {
    imported ??= Promise.all(
      keys.map((k) =>
        exportImportVerificationKey(verificationBase64Decode(k.publicKey, 'key file public key')).catch(
          () => undefined,
        ),
      ),
    );
    const cryptoKeys = (await imported).filter((k): k is CryptoKey => k !== undefined);
    if (cryptoKeys.length === 0) return 'no_key_file_public_key';
    let reason = 'export_signature_invalid';
    for (const key of cryptoKeys) {
      const result = await exportVerifyFile(file, key);
      if (result.ok) return undefined;
      reason = result.error.code;
    }
    return reason;
  };
}
