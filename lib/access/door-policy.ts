import { Door, SYSTEM_DENIED_PATHS, type TrustPolicy } from './trust-policy.ts';
import { parseEndpointRules } from './endpoint-rules.ts';

/** What a door's configuration says, before paths are resolved by the runtime. */
export interface DoorSettings {
  door: Door;
  /** Real paths of the allowed folders, or undefined when the configuration does not set them. */
  allowedFilePaths?: readonly string[];
  allowedEndpoints: readonly string[];
  /** Real paths a statement never reaches beyond the system's (the home, for an embedded runtime). */
  deniedFilePaths?: readonly string[];
  /** Where the settings live, for messages and for the errors of a bad entry. */
  settings: string;
}

/**
 * The policy of a door: unset folders mean anywhere for the home's owner and nowhere for a door that
 * answers other people (`serve`, the cloud), and the system trees are refused whatever is allowed.
 */
export function doorPolicy(s: DoorSettings): TrustPolicy {
  const allowedFilePaths = s.allowedFilePaths ?? (s.door === Door.OWNER ? undefined : []);
  return {
    door: s.door,
    ...(allowedFilePaths === undefined ? {} : { allowedFilePaths }),
    deniedFilePaths: [...SYSTEM_DENIED_PATHS, ...(s.deniedFilePaths ?? [])],
    allowedEndpoints: parseEndpointRules(s.allowedEndpoints, s.settings),
    settings: s.settings,
  };
}
