import { AnalysisError } from '../domain/errors.ts';
import * as accounts from './account-statements.ts';
import { authorizeStatement } from './authorize-statement.ts';
import { checkPropertyValues } from '../domain/limits.ts';
import type { Statement, StatementKind, StatementOf } from '../sql/ast.ts';
import * as cluster from './cluster-statements.ts';
import * as grants from './grant-statements.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import * as jobs from './job-statements.ts';
import * as mvs from './mv-statements.ts';
import * as objects from './object-statements.ts';
import * as repos from './repository-statements.ts';
import * as roles from './role-statements.ts';
import type { ResultSet } from './result-set.ts';
import type { Session } from './session.ts';
import { showGrants } from './show-grants.ts';
import * as sessions from './session-statements.ts';
import { cleanRepository, dropSnapshot, showSnapshot, verifySnapshot } from './snapshot-statements.ts';

/** Runs one statement of a kind. */
type Executor<K extends StatementKind> = (ctx: ServiceContext, stmt: StatementOf<K>, session: Session) => Promise<ResultSet>;

/**
 * Every statement kind's executor. The type asks for one entry per kind of the AST, so a kind added to
 * lib/sql/ast.ts without its executor here is a compile error.
 */
const EXECUTORS: { [K in StatementKind]: Executor<K> } = {
  CreateDatabase: cluster.createDatabase,
  DropDatabase: cluster.dropDatabase,
  Use: cluster.use,
  CreateTable: cluster.createTable,
  DropTable: cluster.dropTable,
  Insert: cluster.insert,
  Select: cluster.select,
  ShowDatabases: cluster.showDatabases,
  ShowTables: cluster.showTables,
  ShowPartitions: cluster.showPartitions,
  ShowCreateTable: cluster.showCreateTable,
  CreateView: objects.createView,
  DropView: objects.dropView,
  CreateFunction: objects.createFunction,
  DropFunction: objects.dropFunction,
  ShowFunctions: objects.showFunctions,
  CreateCatalog: objects.createCatalog,
  DropCatalog: objects.dropCatalog,
  ShowCatalogs: objects.showCatalogs,
  CreateMaterializedView: mvs.createMaterializedView,
  DropMaterializedView: mvs.dropMaterializedView,
  RefreshMaterializedView: mvs.refreshMaterializedView,
  AlterMaterializedViewActive: mvs.alterMaterializedViewActive,
  ShowMaterializedViews: mvs.showMaterializedViews,
  CreateRepository: repos.createRepository,
  DropRepository: repos.dropRepository,
  ShowRepositories: repos.showRepositories,
  Backup: jobs.backup,
  Restore: jobs.restore,
  ShowBackup: jobs.showBackup,
  ShowRestore: jobs.showRestore,
  CancelBackup: jobs.cancel,
  CancelRestore: jobs.cancel,
  ShowSnapshot: showSnapshot,
  DropSnapshot: dropSnapshot,
  AdminVerifySnapshot: verifySnapshot,
  AdminCleanRepository: cleanRepository,
  SelectValues: sessions.selectValues,
  SetVariables: sessions.setVariables,
  ShowVariables: sessions.showVariables,
  ShowStatus: sessions.showStatus,
  ShowWarnings: sessions.showWarnings,
  CreateUser: accounts.createUser,
  AlterUser: accounts.alterUser,
  DropUser: accounts.dropUser,
  ShowUsers: accounts.showUsers,
  SetPassword: accounts.setPassword,
  GrantPrivilege: grants.grantPrivilege,
  RevokePrivilege: grants.revokePrivilege,
  GrantRole: grants.grantRole,
  RevokeRole: grants.revokeRole,
  CreateRole: roles.createRole,
  AlterRole: roles.alterRole,
  DropRole: roles.dropRole,
  ShowRoles: roles.showRoles,
  ShowGrants: showGrants,
  SetRole: roles.setRole,
  SetDefaultRole: roles.setDefaultRole,
};

function executorOf<K extends StatementKind>(kind: K): Executor<K> | undefined {
  return Object.hasOwn(EXECUTORS, kind) ? EXECUTORS[kind] : undefined;
}

/** Runs one parsed statement. Every runtime (CLI, local server, API handler) comes through here. */
export async function executeStatement(ctx: ServiceContext, stmt: Statement, session: Session): Promise<ResultSet> {
  checkProperties(stmt);
  const run = executorOf(stmt.kind);
  // Only a statement built outside the parser can name a kind the table lacks.
  if (!run) throw new AnalysisError(`${stmt.text.split(/\s+/).slice(0, 3).join(' ').toUpperCase()} is not supported by this version of starbackup`);
  const filter = await authorizeStatement(ctx, stmt, session);
  const result = await run(ctx, stmt, session);
  return filter ? filter(result) : result;
}

/** Every PROPERTIES list of a statement (FILES() options included) passes the property value cap. */
function checkProperties(node: object, depth = 0): void {
  for (const [key, value] of Object.entries(node)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    if (key === 'properties') checkPropertyValues(value as Record<string, string>);
    else if (depth < 2) checkProperties(value, depth + 1);
  }
}
