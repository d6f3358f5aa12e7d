/**
 * Bluetooth metadata carried (encrypted) in the Associated Encrypted Metadata, 4 bytes
 * (Exposure Notification Bluetooth Specification v1.2, "Metadata"):
 *
 * | byte | bits | meaning |
 * |---|---|---|
 * | 0 | 7:6 | major version (1) |
 * | 0 | 5:4 | minor version (0) |
 * | 0 | 3:0 | reserved (0) |
 * | 1 | 7:0 | transmit power level, signed dBm (−127 … 127) |
 * | 2, 3 | | reserved (0) |
 *
 * @module
 */
import { ProtocolError } from '../errors.js';

/** Length of the metadata (and of the AEM) in bytes. */
export const METADATA_LENGTH = 4;

/** Decoded Bluetooth metadata. */
export interface BluetoothMetadata {
  /** Major protocol version, 0–3 (1 for v1.x). */
  readonly versionMajor: number;
  /** Minor protocol version, 0–3. */
  readonly versionMinor: number;
  /** Calibrated transmit power in dBm, −127 … 127. */
  readonly txPowerDbm: number;
}

/** Encodes metadata into its 4-byte form. */
export function encodeMetadata(metadata: BluetoothMetadata): Uint8Array {
  const { versionMajor, versionMinor, txPowerDbm } = metadata;
  for (const [name, value] of [
    ['versionMajor', versionMajor],
    ['versionMinor', versionMinor],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 3) {
      throw new ProtocolError('invalid_argument', `${name} must be an integer from 0 to 3, got ${value}`);
    }
  }
  if (!Number.isInteger(txPowerDbm) || txPowerDbm < -127 || txPowerDbm > 127) {
    throw new ProtocolError(
      'invalid_argument',
      `txPowerDbm must be an integer from -127 to 127, got ${txPowerDbm}`,
    );
  }
  return Uint8Array.of((versionMajor << 6) | (versionMinor << 4), txPowerDbm & 0xff, 0, 0);
}

/** Decodes 4 metadata bytes. Reserved bits are ignored, as the specification asks of receivers. */
export function decodeMetadata(bytes: Uint8Array): BluetoothMetadata {
  if (bytes.length !== METADATA_LENGTH) {
    throw new ProtocolError(
      'invalid_length',
      `metadata must be ${METADATA_LENGTH} bytes, got ${bytes.length}`,
    );
  }
  const b0 = bytes[0]!;
  const tx = bytes[1]!;
  return { versionMajor: b0 >> 6, versionMinor: (b0 >> 4) & 3, txPowerDbm: tx > 127 ? tx - 256 : tx };
}
