import { GrantStore } from '../access/grant-store.ts';
import { ALL, DEFAULT_CATALOG, type GrantEntry, ObjectType, type ObjectTypeName } from '../access/privilege-types.ts';
import { identityText, semanticError } from '../access/user-identity.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import type { StatementOf } from '../sql/ast.ts';
import { checkGrantee, requireGrantOnSystem } from './grant-statements.ts';
import { type ResultSet, table } from './result-set.ts';
import { sessionIdentity } from './role-statements.ts';
import type { Session } from './session.ts';

/**
 * SHOW GRANTS [FOR u | FOR ROLE r] as StarRocks prints it (fe-core authorization/ShowGrantsExecutor,
 * sql/analyzer/AST2SQL.visitGrantRevokePrivilegeStatement / visitGrantRevokeRoleStatement): a row of the roles
 * held (`GRANT 'r1', 'r2' TO 'u'@'%'`, no catalog), then one row per grant (`GRANT SELECT, INSERT ON TABLE
 * db.t TO USER 'u'@'%'`) with the catalog it is in (NULL for ALL CATALOGS). One's own grants and those of
 * one's own roles need nothing; anyone else's need GRANT on SYSTEM (AuthorizerStmtVisitor.visitShowGrantsStatement).
 */
export async function showGrants(ctx: ServiceContext, s: StatementOf<'ShowGrants'>, session: Session): Promise<ResultSet> {
  const store = new GrantStore(ctx.catalog.table);
  const me = sessionIdentity(session);
  if (s.role !== undefined) {
    const role = await store.getRole(s.role);
    if (!role) throw semanticError(`There is no such grant defined for role ${s.role}: cannot find role ${s.role}!`);
    if (!(await store.getUser(me)).roles.includes(s.role)) await requireGrantOnSystem(ctx, session);
    const rows = [...rolesRow(s.role, role.roles, `ROLE ${s.role}`), ...grantRows(s.role, role.grants, `ROLE '${s.role}'`)];
    return table(['RoleName', 'Catalog', 'Grants'], rows);
  }
  const user = s.user ?? me;
  if (s.user) await checkGrantee(ctx, { user: s.user }, '');
  if (user.user !== me.user || user.host !== me.host) await requireGrantOnSystem(ctx, session);
  const held = await store.getUser(user);
  const name = identityText(user);
  const live = [];
  for (const r of held.roles) if (await store.getRole(r)) live.push(r);
  return table(['UserIdentity', 'Catalog', 'Grants'], [...rolesRow(name, live, name), ...grantRows(name, held.grants, `USER ${name}`)]);
}

function rolesRow(who: string, roles: string[], to: string): (string | null)[][] {
  return roles.length === 0 ? [] : [[who, null, `GRANT ${roles.map((r) => `'${r}'`).join(', ')} TO ${to}`]];
}

const TYPE_ORDER = Object.values(ObjectType) as ObjectTypeName[];

function grantRows(who: string, grants: readonly GrantEntry[], to: string): (string | null)[][] {
  const sorted = [...grants].sort((a, b) => TYPE_ORDER.indexOf(a.type) - TYPE_ORDER.indexOf(b.type));
  return sorted.map((g) => [
    who,
    catalogOf(g),
    `GRANT ${g.privileges.join(', ')} ON ${objectText(g)} TO ${to}${g.grantOption ? ' WITH GRANT OPTION' : ''}`,
  ]);
}

/** ShowGrantsExecutor.getCatalogNameFromPEntry: the catalog of a catalog grant (none for ALL), else the default one. */
function catalogOf(g: GrantEntry): string | null {
  if (g.type === 'CATALOG') return g.object.catalog === ALL ? null : (g.object.catalog ?? null);
  return g.object.catalog ?? DEFAULT_CATALOG;
}

const PLURAL: Partial<Record<ObjectTypeName, string>> = {
  TABLE: 'TABLES', VIEW: 'VIEWS', 'MATERIALIZED VIEW': 'MATERIALIZED VIEWS', FUNCTION: 'FUNCTIONS',
};

/** The object as the PEntryObjects' toString print it: `ALL TABLES IN DATABASE d`, `TABLE d.t`, `SYSTEM`, … */
function objectText(g: GrantEntry): string {
  const o = g.object;
  switch (g.type) {
    case 'SYSTEM': return 'SYSTEM';
    case 'CATALOG': return o.catalog === ALL ? 'ALL CATALOGS' : `CATALOG ${o.catalog}`;
    case 'DATABASE': return o.db === ALL ? 'ALL DATABASES' : `DATABASE ${o.db}`;
    case 'GLOBAL FUNCTION': return o.name === ALL ? 'ALL GLOBAL FUNCTIONS' : `GLOBAL FUNCTION ${o.name}`;
    case 'USER': return o.user === ALL ? 'ALL USERS' : `USER ${o.user}`;
    default: {
      const plural = PLURAL[g.type] ?? g.type;
      if (o.db === ALL) return `ALL ${plural} IN ALL DATABASES`;
      if (o.name === ALL) return `ALL ${plural} IN DATABASE ${o.db}`;
      return `${g.type} ${o.db}.${o.name}`;
    }
  }
}
