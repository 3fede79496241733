import type { ObjectStore } from '../../ports/object-store.ts';
import type { LocationUse, TrustGuard } from '../../ports/trust-guard.ts';

/**
 * One storage backend (file, memory; later s3, gcs, hdfs): each backend folder exports one of these and
 * the registry picks it by the location's URI scheme. Parsing is separate from opening so CREATE
 * REPOSITORY can reject a bad location or property without touching the network.
 */
export interface StorageBackend<Config> {
  /** Lower-case URI schemes this backend serves, e.g. ['s3', 's3a']. */
  readonly schemes: readonly string[];
  /**
   * The properties that are credentials for this backend: sealed at rest, never shown, masked in
   * statements and messages. Names that look like secrets are hidden even when undeclared, so this lists
   * at least every credential the backend reads and every one StarRocks hides for its scheme. The lists
   * live in lib/domain/secret-properties.ts, where the statements and the redactor can read them.
   */
  readonly secretProperties: readonly string[];
  /** Validates the location and properties; throws AnalysisError naming the offending value. */
  parse(location: string, properties: Readonly<Record<string, string>>, options?: ParseOptions): Config;
  /**
   * Opens the store. With a guard, every file it touches and every connection to an endpoint the
   * location or its properties named passes the guard's checks; without one (the cluster's own data
   * store, configured by the operator) nothing is checked.
   */
  open(config: Config, access?: StoreAccess): ObjectStore;
}

/** What the runtime knows that a location does not say; a backend without a use for it ignores it. */
export interface ParseOptions {
  /**
   * The region of an AWS location that names none (the Lambda's own, from the stack): the process
   * environment is the runtime's to read, not the adapter's.
   */
  defaultRegion?: string;
}

/** The door's trust guard, and what the store is opened for (the messages say which). */
export interface StoreAccess {
  guard: TrustGuard;
  use: LocationUse;
}
