/**
 * The StarRocks user a door without a login runs as: a schedule names it in its configuration, a console
 * execution in its input. Nobody is assumed: without a user nothing runs (not even as root), and the user
 * must exist, so the statements meet that user's privileges as they would on the MySQL door.
 */
import { AccountStore } from '../access/account-store.ts';
import { ANY_HOST, type UserIdentity, checkIdentity, identityText } from '../access/user-identity.ts';
import { AnalysisError, NotFoundError } from '../domain/errors.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import type { Session } from '../statements/session.ts';

// `'u'@'host'` exactly as SHOW USERS prints it; a bare name is `'name'@'%'`, as CREATE USER 'name' makes it.
const QUOTED_IDENTITY = /^'([^'\\]*)'@'([^'\\]*)'$/;
const HOW = `"user": "backup_op" (the account 'backup_op'@'%') or "user": "'backup_op'@'<host>'"`;

/** Checks the `user` field of an input (`what` names the input in the message); undefined when absent. */
export function parseRunAsUser(value: unknown, what: string): UserIdentity | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new AnalysisError(`${what}: "user" must be a string: ${HOW}`);
  const quoted = QUOTED_IDENTITY.exec(value);
  const id = quoted ? { user: quoted[1]!, host: quoted[2]! } : { user: value, host: ANY_HOST };
  try {
    checkIdentity(id);
  } catch {
    throw new AnalysisError(`${what}: "user" must name a StarRocks user, ${HOW}; ${JSON.stringify(value.slice(0, 140))} is not one`);
  }
  return id;
}

/** The session user of a run: the named account, which must exist; refused when none is named. */
export async function runAsUser(ctx: ServiceContext, id: UserIdentity | undefined, what: string): Promise<NonNullable<Session['user']>> {
  if (!id) {
    throw new AnalysisError(`${what} names no StarRocks user to run as: add ${HOW}; nothing runs as root unless it is named`);
  }
  if (!(await new AccountStore(ctx.catalog.table).get(id))) {
    throw new NotFoundError(`${what}: user ${identityText(id)} does not exist; CREATE USER it (and GRANT it the privileges it needs) or name another`);
  }
  return { name: id.user, host: id.host };
}
