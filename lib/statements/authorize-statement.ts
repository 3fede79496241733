import { DEFAULT_CATALOG } from '../access/privilege-types.ts';
import { identityText, semanticError } from '../access/user-identity.ts';
import type { Statement, StatementKind, StatementOf, UserRef } from '../sql/ast.ts';
import { parseStatement } from '../sql/parse.ts';
import { functionSignature } from '../cluster/catalog-store.ts';
import { analyzeMvQuery } from '../cluster/mv-query.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { backupRule, cancelRule, restoreRule, showBackupRule } from './job-privileges.ts';
import { typeText } from './object-statements.ts';
import { privilegesOf } from './privileges.ts';
import type { Session } from './session.ts';
import * as show from './show-privilege-filters.ts';
import { type ResultFilter, StatementGuard } from './statement-guard.ts';

/** A kind's check: throws StarRocks' access-denied error, or returns the filter of a SHOW's rows. */
type Rule<K extends StatementKind> = (g: StatementGuard, s: StatementOf<K>) => Promise<ResultFilter | void> | ResultFilter | void;
/** A kind StarRocks runs for anyone (no AuthorizerStmtVisitor check). */
const NONE = 'no privilege needed';
/** A kind whose executor checks for itself, because the rule depends on what it finds. */
const EXECUTOR = 'checked by its executor';
type Entry<K extends StatementKind> = Rule<K> | typeof NONE | typeof EXECUTOR;

const system = (g: StatementGuard, p: Parameters<StatementGuard['require']>[0]) => g.require(p, { type: 'SYSTEM' });
const inDb = (privilege: 'CREATE TABLE' | 'CREATE VIEW' | 'CREATE FUNCTION' | 'CREATE MATERIALIZED VIEW' | 'DROP', name?: { db?: string } | string) =>
  (g: StatementGuard) => {
    const db = g.dbOf(typeof name === 'string' ? name : name?.db);
    if (db !== undefined) g.require(privilege, { type: 'DATABASE', db });
  };
const repository = (g: StatementGuard) => system(g, 'REPOSITORY');
const grantOnSystem = (g: StatementGuard) => system(g, 'GRANT');

/** ALTER USER and SET PASSWORD FOR another user: root only by root, then GRANT on SYSTEM (AuthorizerStmtVisitor). */
function otherUser(g: StatementGuard, user: UserRef | undefined, rootMessage: string): void {
  const me = g.session.user;
  if (!user || !me || (user.user === me.name && user.host === me.host)) return;
  if (identityText(user) === "'root'@'%'" && me.name !== 'root') throw semanticError(rootMessage);
  grantOnSystem(g);
}

/** An MV-like object: checked only when it exists, so the executor reports a missing one. */
async function onMv(g: StatementGuard, name: { db?: string; name: string }, privilege: 'DROP' | 'REFRESH' | 'ALTER'): Promise<void> {
  const db = g.dbOf(name);
  if (db === undefined) return;
  if ((await g.tableLike(db, name.name)) === 'MATERIALIZED VIEW') return g.require(privilege, { type: 'MATERIALIZED VIEW', db, name: name.name });
  // A synchronous MV is an index of its base table: dropping it alters that table.
  const base = (await g.ctx.catalog.listTables(db)).find((t) => (t.doc.def.indexes ?? []).some((i) => i.name === name.name));
  if (base && privilege === 'DROP') g.require('ALTER', { type: 'TABLE', db, name: base.doc.def.name });
}

/** The query of a view or MV is checked as a SELECT of its own (visitQueryStatement). */
async function selectOfQuery(g: StatementGuard, query: string, db: string | undefined): Promise<void> {
  let stmt;
  try {
    stmt = parseStatement(query);
  } catch {
    return; // the executor reports the query's error
  }
  if (stmt.kind === 'Select') await g.requireSelect(stmt.from, db);
}

/**
 * Every statement kind's privilege rule, from fe-core sql/analyzer/AuthorizerStmtVisitor (one visit… per
 * statement) and qe/ShowExecutor for the SHOWs that filter; the README's table lists them. The type asks
 * for one entry per kind, so a new kind without its rule does not compile.
 */
const RULES: { [K in StatementKind]: Entry<K> } = {
  CreateDatabase: (g) => g.require('CREATE DATABASE', { type: 'CATALOG', catalog: DEFAULT_CATALOG }),
  DropDatabase: (g, s) => g.require('DROP', { type: 'DATABASE', db: s.name }),
  Use: (g, s) => {
    if (!g.set.hasAnyInDatabase(s.db)) g.requireAny({ type: 'DATABASE', db: s.db });
  },
  CreateTable: (g, s) => inDb('CREATE TABLE', s.name)(g),
  DropTable: async (g, s) => {
    const db = g.dbOf(s.name);
    if (db !== undefined && (await g.tableLike(db, s.name.name)) === 'TABLE') g.require('DROP', { type: 'TABLE', db, name: s.name.name });
  },
  Insert: (g, s) => {
    const db = g.dbOf(s.table);
    if (db !== undefined) g.require('INSERT', { type: 'TABLE', db, name: s.table.name });
    // starbackup's FILES() reads this host's files: SYSTEM FILE, StarRocks' privilege for files kept on the server.
    if (s.source.type === 'files') system(g, 'FILE');
  },
  Select: (g, s) => g.requireSelect(s.from),
  ShowDatabases: (g) => show.showDatabasesFilter(g),
  ShowTables: (g, s) => show.showTablesFilter(g, s),
  ShowPartitions: async (g, s) => {
    const db = g.dbOf(s.table);
    if (db !== undefined && (await g.tableLike(db, s.table.name))) g.requireAny({ type: 'TABLE', db, name: s.table.name });
  },
  ShowCreateTable: async (g, s) => {
    const db = g.dbOf(s.table);
    const type = db === undefined ? undefined : await g.tableLike(db, s.table.name);
    if (type) g.requireAny({ type, db: db!, name: s.table.name }, 'TABLE');
  },
  CreateView: async (g, s) => {
    inDb('CREATE VIEW', s.name)(g);
    await selectOfQuery(g, s.query, g.dbOf(s.name));
  },
  DropView: async (g, s) => {
    const db = g.dbOf(s.name);
    if (db !== undefined && (await g.tableLike(db, s.name.name)) === 'VIEW') g.require('DROP', { type: 'VIEW', db, name: s.name.name });
  },
  CreateFunction: (g, s) => (s.global ? system(g, 'CREATE GLOBAL FUNCTION') : inDb('CREATE FUNCTION', s.name)(g)),
  DropFunction: async (g, s) => {
    const db = g.dbOf(s.name);
    if (db === undefined || !(await g.ctx.catalog.getDatabase(db))) return;
    const sig = functionSignature({ name: s.name.name, argTypes: s.argTypes.map(typeText), variadic: s.variadic });
    const found = (await g.ctx.catalog.listFunctions(db)).some((f) => functionSignature(f) === sig);
    if (found) g.require('DROP', { type: 'FUNCTION', db, name: s.name.name }, undefined, sig);
  },
  ShowFunctions: (g, s) => show.showFunctionsFilter(g, s),
  CreateCatalog: (g) => system(g, 'CREATE EXTERNAL CATALOG'),
  DropCatalog: (g, s) => g.require('DROP', { type: 'CATALOG', catalog: s.name }),
  ShowCatalogs: (g) => show.showCatalogsFilter(g),
  CreateMaterializedView: async (g, s) => {
    inDb('CREATE MATERIALIZED VIEW', s.name)(g);
    let from;
    try {
      from = analyzeMvQuery(s.query, s.name.name).from;
    } catch {
      return; // the executor reports an unsupported query
    }
    await g.requireSelect(from, g.dbOf(s.name));
  },
  DropMaterializedView: (g, s) => onMv(g, s.name, 'DROP'),
  RefreshMaterializedView: (g, s) => onMv(g, s.name, 'REFRESH'),
  AlterMaterializedViewActive: (g, s) => onMv(g, s.name, 'ALTER'),
  ShowMaterializedViews: (g, s) => show.showMaterializedViewsFilter(g, s),
  CreateRepository: repository,
  DropRepository: repository,
  ShowRepositories: NONE,
  Backup: backupRule,
  Restore: restoreRule,
  ShowBackup: showBackupRule,
  // StarRocks lists every restore job to whoever holds REPOSITORY (ShowExecutor.visitShowRestoreStatement).
  ShowRestore: repository,
  CancelBackup: cancelRule,
  CancelRestore: cancelRule,
  ShowSnapshot: repository,
  // No AuthorizerStmtVisitor rule for DROP SNAPSHOT: REPOSITORY, as for DROP REPOSITORY, which removes snapshots' repository.
  DropSnapshot: repository,
  // starbackup's own: it reads a repository's snapshot, as SHOW SNAPSHOT does.
  AdminVerifySnapshot: repository,
  // starbackup's own: it deletes from a repository what no snapshot needs, as DROP SNAPSHOT's collection does.
  AdminCleanRepository: repository,
  SelectValues: NONE,
  SetVariables: (g, s) => {
    if (s.items.some((i) => i.kind !== 'names' && i.scope === 'GLOBAL')) system(g, 'OPERATE');
  },
  ShowVariables: NONE,
  ShowStatus: NONE,
  ShowWarnings: NONE,
  CreateUser: grantOnSystem,
  AlterUser: (g, s) => otherUser(g, s.user, 'Can not modify root user, except root itself'),
  DropUser: grantOnSystem,
  // `SHOW USERS` lists every user: ShowUserStmt.isAll.
  ShowUsers: grantOnSystem,
  SetPassword: (g, s) => otherUser(g, s.user, 'Can not set password for root user, except root itself'),
  // Whether these need GRANT on SYSTEM depends on what they name (a grant option held, one's own roles):
  // grant-statements.ts, role-statements.ts and show-grants.ts check them with StarRocks' rules.
  GrantPrivilege: EXECUTOR,
  RevokePrivilege: EXECUTOR,
  GrantRole: EXECUTOR,
  RevokeRole: EXECUTOR,
  CreateRole: EXECUTOR,
  AlterRole: EXECUTOR,
  DropRole: EXECUTOR,
  ShowRoles: EXECUTOR,
  ShowGrants: EXECUTOR,
  SetRole: EXECUTOR,
  SetDefaultRole: EXECUTOR,
};

function ruleOf<K extends StatementKind>(kind: K): Entry<K> | undefined {
  return Object.hasOwn(RULES, kind) ? RULES[kind] : undefined;
}

/**
 * Checks one statement before it runs, with StarRocks' rules and messages. Returns the filter of the rows a
 * filtering SHOW may show. The home's owner (no session user: the embedded CLI) passes everything.
 */
export async function authorizeStatement(ctx: ServiceContext, stmt: Statement, session: Session): Promise<ResultFilter | undefined> {
  if (!session.user) return undefined;
  const rule = ruleOf(stmt.kind);
  if (rule === undefined || rule === NONE || rule === EXECUTOR) return undefined;
  const guard = new StatementGuard(ctx, session, await privilegesOf(ctx, session));
  return (await (rule as Rule<typeof stmt.kind>)(guard, stmt as never)) ?? undefined;
}
