import { AnalysisError } from '../domain/errors.ts';
import { checkPropertyValues } from '../domain/limits.ts';
import type { Statement } from '../sql/ast.ts';
import * as cluster from './cluster-statements.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import * as jobs from './job-statements.ts';
import * as mvs from './mv-statements.ts';
import * as objects from './object-statements.ts';
import * as repos from './repository-statements.ts';
import type { ResultSet } from './result-set.ts';
import type { Session } from './session.ts';
import { dropSnapshot, showSnapshot, verifySnapshot } from './snapshot-statements.ts';

/** Runs one parsed statement. Every runtime (CLI, local server, API handler) comes through here. */
export async function executeStatement(ctx: ServiceContext, stmt: Statement, session: Session): Promise<ResultSet> {
  checkProperties(stmt);
  switch (stmt.kind) {
    case 'CreateDatabase': return cluster.createDatabase(ctx, stmt);
    case 'DropDatabase': return cluster.dropDatabase(ctx, stmt);
    case 'Use': return cluster.use(ctx, stmt, session);
    case 'CreateTable': return cluster.createTable(ctx, stmt, session);
    case 'DropTable': return cluster.dropTable(ctx, stmt, session);
    case 'Insert': return cluster.insert(ctx, stmt, session);
    case 'Select': return cluster.select(ctx, stmt, session);
    case 'ShowDatabases': return cluster.showDatabases(ctx);
    case 'ShowTables': return cluster.showTables(ctx, stmt, session);
    case 'ShowPartitions': return cluster.showPartitions(ctx, stmt, session);
    case 'ShowCreateTable': return cluster.showCreateTable(ctx, stmt, session);
    case 'CreateView': return objects.createView(ctx, stmt, session);
    case 'DropView': return objects.dropView(ctx, stmt, session);
    case 'CreateFunction': return objects.createFunction(ctx, stmt, session);
    case 'DropFunction': return objects.dropFunction(ctx, stmt, session);
    case 'ShowFunctions': return objects.showFunctions(ctx, stmt, session);
    case 'CreateCatalog': return objects.createCatalog(ctx, stmt);
    case 'DropCatalog': return objects.dropCatalog(ctx, stmt);
    case 'ShowCatalogs': return objects.showCatalogs(ctx);
    case 'CreateMaterializedView': return mvs.createMaterializedView(ctx, stmt, session);
    case 'DropMaterializedView': return mvs.dropMaterializedView(ctx, stmt, session);
    case 'RefreshMaterializedView': return mvs.refreshMaterializedView(ctx, stmt, session);
    case 'AlterMaterializedViewActive': return mvs.alterMaterializedViewActive(ctx, stmt, session);
    case 'ShowMaterializedViews': return mvs.showMaterializedViews(ctx, stmt, session);
    case 'CreateRepository': return repos.createRepository(ctx, stmt);
    case 'DropRepository': return repos.dropRepository(ctx, stmt);
    case 'ShowRepositories': return repos.showRepositories(ctx);
    case 'Backup': return jobs.backup(ctx, stmt, session);
    case 'Restore': return jobs.restore(ctx, stmt);
    case 'ShowBackup': return jobs.showBackup(ctx, stmt);
    case 'ShowRestore': return jobs.showRestore(ctx, stmt);
    case 'CancelBackup':
    case 'CancelRestore': return jobs.cancel(ctx, stmt, session);
    case 'ShowSnapshot': return showSnapshot(ctx, stmt);
    case 'DropSnapshot': return dropSnapshot(ctx, stmt);
    case 'AdminVerifySnapshot': return verifySnapshot(ctx, stmt);
    default:
      throw new AnalysisError(`${(stmt as Statement).text.split(/\s+/).slice(0, 3).join(' ').toUpperCase()} is not supported by this version of starbackup`);
  }
}

/** Every PROPERTIES list of a statement (FILES() options included) passes the property value cap. */
function checkProperties(node: object, depth = 0): void {
  for (const [key, value] of Object.entries(node)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    if (key === 'properties') checkPropertyValues(value as Record<string, string>);
    else if (depth < 2) checkProperties(value, depth + 1);
  }
}
