/**
 * Bluetooth LE advertisement codec.
 *
 * Bluezone advertises like Exposure Notification v1.2, with Bluezone's own 16-bit service UUID
 * 0x4E56 ("VN", the UUID the original app used) instead of 0xFD6F. A legacy advertising payload
 * (31 bytes) holds three AD structures:
 *
 * | bytes | AD structure |
 * |---|---|
 * | 02 01 1A | Flags: LE General Discoverable, BR/EDR not supported |
 * | 03 03 56 4E | Complete list of 16-bit service UUIDs: 0x4E56 (little-endian) |
 * | 17 16 56 4E ‹RPI 16› ‹AEM 4› | Service data, 16-bit UUID 0x4E56 |
 *
 * Phones' Bluetooth APIs usually hand over the service data value alone (RPI ‖ AEM, 20 bytes)
 * keyed by UUID; {@link decodeServiceData} takes that form, {@link decodeAdvertisement} the raw
 * AD structures. Both return a {@link Result}: malformed radio input is expected, not exceptional.
 *
 * @module
 */
import { concatBytes } from '../bytes.js';
import { RPI_LENGTH } from '../en/keys.js';
import { METADATA_LENGTH } from '../en/metadata.js';
import { err, ok, ProtocolError, type Result } from '../errors.js';

/** Bluezone's 16-bit service UUID. */
export const BLUEZONE_SERVICE_UUID = 0x4e56;
/** Length of the service data value: RPI (16) ‖ AEM (4). */
export const SERVICE_DATA_LENGTH = RPI_LENGTH + METADATA_LENGTH;

const AD_FLAGS = 0x01;
const AD_COMPLETE_16BIT_UUIDS = 0x03;
const AD_SERVICE_DATA_16BIT = 0x16;
const FLAGS_VALUE = 0x1a;
const MAX_LEGACY_ADVERTISEMENT = 31;

/** The payload of one Bluezone advertisement. */
export interface ProximityPayload {
  /** Rolling Proximity Identifier, 16 bytes. */
  readonly rpi: Uint8Array;
  /** Associated Encrypted Metadata, 4 bytes. */
  readonly aem: Uint8Array;
}

function checkPayload(payload: ProximityPayload): void {
  if (payload.rpi.length !== RPI_LENGTH) {
    throw new ProtocolError('invalid_length', `RPI must be ${RPI_LENGTH} bytes, got ${payload.rpi.length}`);
  }
  if (payload.aem.length !== METADATA_LENGTH) {
    throw new ProtocolError(
      'invalid_length',
      `AEM must be ${METADATA_LENGTH} bytes, got ${payload.aem.length}`,
    );
  }
}

/** Service data value: RPI ‖ AEM (20 bytes). */
export function encodeServiceData(payload: ProximityPayload): Uint8Array {
  checkPayload(payload);
  return concatBytes(payload.rpi, payload.aem);
}

/**
 * Decodes a service data value (RPI ‖ AEM).
 *
 * Fails with `advertisement_wrong_service_uuid` when `serviceUuid` is given and is not 0x4E56,
 * and with `advertisement_wrong_length` for anything but 20 bytes.
 */
export function decodeServiceData(data: Uint8Array, serviceUuid?: number): Result<ProximityPayload> {
  if (serviceUuid !== undefined && serviceUuid !== BLUEZONE_SERVICE_UUID) {
    return err(
      new ProtocolError(
        'advertisement_wrong_service_uuid',
        `service data is for UUID 0x${hex16(serviceUuid)}, expected 0x${hex16(BLUEZONE_SERVICE_UUID)}`,
      ),
    );
  }
  if (data.length !== SERVICE_DATA_LENGTH) {
    return err(
      new ProtocolError(
        'advertisement_wrong_length',
        `service data must be ${SERVICE_DATA_LENGTH} bytes (RPI 16 + AEM 4), got ${data.length}`,
      ),
    );
  }
  return ok({ rpi: data.slice(0, RPI_LENGTH), aem: data.slice(RPI_LENGTH) });
}

/** The full 31-byte advertising payload (flags, service UUID list, service data). */
export function encodeAdvertisement(payload: ProximityPayload): Uint8Array {
  checkPayload(payload);
  const lo = BLUEZONE_SERVICE_UUID & 0xff;
  const hi = BLUEZONE_SERVICE_UUID >> 8;
  return concatBytes(
    Uint8Array.of(2, AD_FLAGS, FLAGS_VALUE),
    Uint8Array.of(3, AD_COMPLETE_16BIT_UUIDS, lo, hi),
    Uint8Array.of(1 + 2 + SERVICE_DATA_LENGTH, AD_SERVICE_DATA_16BIT, lo, hi),
    payload.rpi,
    payload.aem,
  );
}

/**
 * Decodes raw advertising data (a sequence of length ‖ type ‖ value AD structures).
 *
 * Structures other than 16-bit service data are skipped, so flags and UUID lists are optional
 * (scanners often strip them) and unknown structures are tolerated. Zero-length structures end
 * the payload (the rest is padding), as the Core Specification allows.
 */
export function decodeAdvertisement(bytes: Uint8Array): Result<ProximityPayload> {
  if (bytes.length > MAX_LEGACY_ADVERTISEMENT * 2) {
    return err(
      new ProtocolError(
        'advertisement_malformed',
        `advertising data is ${bytes.length} bytes; at most ${MAX_LEGACY_ADVERTISEMENT * 2} (payload and scan response) are possible`,
      ),
    );
  }
  let otherUuid: number | undefined;
  let offset = 0;
  while (offset < bytes.length) {
    const length = bytes[offset]!;
    if (length === 0) break;
    if (offset + 1 + length > bytes.length) {
      return err(
        new ProtocolError(
          'advertisement_malformed',
          `AD structure at byte ${offset} declares ${length} bytes but only ${bytes.length - offset - 1} remain`,
        ),
      );
    }
    const type = bytes[offset + 1]!;
    if (type === AD_SERVICE_DATA_16BIT) {
      if (length < 3) {
        return err(
          new ProtocolError(
            'advertisement_malformed',
            `service data structure at byte ${offset} is too short for a UUID`,
          ),
        );
      }
      const uuid = bytes[offset + 2]! | (bytes[offset + 3]! << 8);
      if (uuid === BLUEZONE_SERVICE_UUID) {
        return decodeServiceData(bytes.subarray(offset + 4, offset + 1 + length));
      }
      otherUuid ??= uuid;
    }
    offset += 1 + length;
  }
  if (otherUuid !== undefined) {
    return err(
      new ProtocolError(
        'advertisement_wrong_service_uuid',
        `service data is for UUID 0x${hex16(otherUuid)}, expected 0x${hex16(BLUEZONE_SERVICE_UUID)}`,
      ),
    );
  }
  return err(
    new ProtocolError(
      'advertisement_missing_service_data',
      'advertising data has no 16-bit service data structure',
    ),
  );
}

function hex16(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0');
}
