/**
 * The signing-key rotation job: every purpose's key is replaced after `maxAgeMs`; the previous
 * key stays published for `graceMs` (so that what it signed still verifies), then is retired.
 *
 * @module
 */
import {
  activeSigningKey,
  retireOldSigningKeys,
  rotateSigningKey,
  type SigningPurpose,
} from '../features/signing-keys/signing-keys.js';
import type { Job } from './scheduler.js';

const PURPOSES: readonly SigningPurpose[] = ['export', 'certificate', 'config', 'qr'];
const DAY = 86_400_000;

export function keyRotationJob(
  options: { maxAgeMs?: number; graceMs?: number; intervalMs?: number } = {},
): Job {
  const maxAgeMs = options.maxAgeMs ?? 90 * DAY;
  const graceMs = options.graceMs ?? 15 * DAY;
  return {
    name: 'key-rotation',
    intervalMs: options.intervalMs ?? 60 * 60_000,
    run: async (ctx) => {
      let rotated = 0;
      let retired = 0;
      for (const purpose of PURPOSES) {
        const active = await activeSigningKey(ctx, purpose);
        if (ctx.now() - active.activatedAt >= maxAgeMs) {
          await rotateSigningKey(ctx, purpose);
          rotated++;
        }
        retired += await retireOldSigningKeys(ctx, purpose, graceMs);
      }
      return { rotated, retired };
    },
  };
}
