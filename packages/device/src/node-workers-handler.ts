/**
 * What a matching worker thread of `@bluezone/device/node-workers` does with each message: it
 * holds one sighting log (shared memory from the pool) with its own `SightingIndex`, and matches
 * the shares of published keys the pool sends it with `nodeCrypto` (OpenSSL). Messages are in
 * node-workers-messages.ts; node-workers-worker.ts wires this to the thread's port.
 *
 * It returns, per matched key, only what does not depend on the caller's attenuation callback
 * (which cannot cross threads): the pool applies the callback and builds the windows.
 *
 * @module
 */
import { nodeCrypto } from '@bluezone/crypto-node';
import { buildSightingIndex, createSightingMatcher, type SightingIndex } from '@bluezone/protocol';
import { type FromWorker, type ToWorker, unpackKeys, type WorkerMatch } from './node-workers-messages.js';

let current: { readonly logId: number; readonly index: SightingIndex } | undefined;

function handle(message: ToWorker): FromWorker {
  if (message.type === 'log') {
    const { multiplier } = message;
    // buildSightingIndex takes the multiplier from 4 random bytes (| 1): these give the pool's.
    const random = () =>
      Uint8Array.of(
        multiplier & 0xff,
        (multiplier >>> 8) & 0xff,
        (multiplier >>> 16) & 0xff,
        multiplier >>> 24,
      );
    current = { logId: message.logId, index: buildSightingIndex(message.log, { random }) };
    return { type: 'ready', requestId: message.requestId };
  }
  if (current?.logId !== message.logId) {
    throw new Error(`log ${message.logId} was not sent to this worker (it holds ${current?.logId})`);
  }
  const matcher = createSightingMatcher(current.index, { ...message.options, crypto: nodeCrypto });
  matcher.addKeys(unpackKeys(message.keys));
  const result = matcher.result();
  const matches: WorkerMatch[] = result.matches.map((m) => {
    const sightings: number[] = [];
    for (const s of m.sightings) sightings.push(s.sightingIndex, s.interval, s.txPowerDbm);
    return {
      keyIndex: m.keyIndex,
      reportType: m.reportType,
      infectiousness: m.infectiousness,
      sightings,
      rejectedSightings: m.rejectedSightings,
    };
  });
  return { type: 'result', requestId: message.requestId, matches, stats: result.stats };
}

/** The reply to one message of the pool; never throws (a failure is an `error` reply). */
export function handleWorkerMessage(message: ToWorker): FromWorker {
  try {
    return handle(message);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    return {
      type: 'error',
      requestId: message.requestId,
      code: typeof code === 'string' ? code : 'internal',
      message: error instanceof Error ? error.message : String(error),
    };
  }
}
