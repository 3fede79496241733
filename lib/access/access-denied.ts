import { AccessDeniedError } from '../domain/errors.ts';
import type { PrivilegeSet } from './privilege-set.ts';
import type { ObjectTypeName, PrivilegeTarget } from './privilege-types.ts';
import { identityText } from './user-identity.ts';

const listText = (names: readonly string[]) => (names.length === 0 ? 'NONE' : `[${names.join(', ')}]`);

/** How StarRocks names the object in the message: the bare name of a table or database, nothing for SYSTEM. */
function objectText(target: PrivilegeTarget): string | undefined {
  switch (target.type) {
    case 'SYSTEM': return undefined;
    case 'CATALOG': return target.catalog;
    case 'DATABASE': return target.db;
    case 'USER': return identityText(target.user);
    default: return target.name;
  }
}

/**
 * StarRocks' ERR_ACCESS_DENIED (5203, 42000; fe-core common/ErrorCode.java and
 * authorization/AccessDeniedException.reportAccessDenied), with the session's active and inactive roles.
 * `privilege` is one privilege name or StarRocks' `A OR B` text of several.
 */
export function accessDenied(set: PrivilegeSet, privilege: string, target: PrivilegeTarget | ObjectTypeName, object?: string): AccessDeniedError {
  const type = typeof target === 'string' ? target : target.type;
  const name = object ?? (typeof target === 'string' ? undefined : objectText(target));
  return new AccessDeniedError(
    `Access denied; you need (at least one of) the ${privilege} privilege(s) on ${type}${name === undefined ? '' : ` ${name}`} for this operation. ` +
      'Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. ' +
      `Current role(s): ${listText(set.activeRoles)}. Inactivated role(s): ${listText(set.inactiveRoles)}.`,
  );
}
