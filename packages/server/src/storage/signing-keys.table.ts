/**
 * Signing keys (ECDSA P-256) of the server: key files, verification certificates, device config.
 *
 * @module
 */

export interface SigningKeysTable {
  /** The key ID (`kid`, key file `verification_key_id`). */
  id: string;
  /** What it signs: `export`, `certificate` or `config`. */
  purpose: string;
  /** Version label (key file `verification_key_version`), e.g. "v1". */
  version: string;
  /** PKCS#8 private key, encrypted at rest (AES-256-GCM, purpose "signing-key"). */
  private_key_enc: Uint8Array;
  /** SubjectPublicKeyInfo DER. */
  public_key_spki: Uint8Array;
  created_at: number;
  /** When it became the key that signs; earlier keys stay published for verification. */
  activated_at: number;
  /** When it stopped being published (after rotation and a grace period). */
  retired_at: number | null;
}

export interface SigningKeyTables {
  signing_keys: SigningKeysTable;
}
