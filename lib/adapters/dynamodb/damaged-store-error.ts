import { IntegrityError } from '../../domain/errors.ts';

/** A LevelDB store whose files fail LevelDB's own checks, found before anything opened (or wrote to) it. */
export class DamagedStoreError extends IntegrityError {
  constructor(
    readonly storePath: string,
    /** The damaged file, in full. */
    readonly file: string,
    readonly detail: string,
  ) {
    super(`The embedded DynamoDB store ${storePath} is damaged (${file}: ${detail})`);
  }
}
