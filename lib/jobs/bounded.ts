/** The bounded fan-out lives in lib/domain (lib/repository uses it too); re-exported for the phases. */
export { mapBounded } from '../domain/map-bounded.ts';

/** A phase's concurrency when the context sets none (the cloud): StarRocks' per-BE default is small too. */
export const DEFAULT_PHASE_WORKERS = 8;
