/**
 * Seals secret properties (access keys, passwords) before they are stored, and opens them only where a
 * store is opened. `context` (the repository name) is bound into the seal, so a sealed value copied to
 * another repository's record does not open.
 */
export interface SecretSealer {
  seal(secrets: Record<string, string>, context: string): Promise<string>;
  unseal(sealed: string, context: string): Promise<Record<string, string>>;
}
