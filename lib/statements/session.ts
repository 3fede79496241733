import { AnalysisError } from '../domain/errors.ts';
import type { QualifiedName } from '../sql/ast.ts';

/** Per-connection state: the current database of `USE`, who is connected, and the session variables `SET` changed. */
export interface Session {
  db?: string;
  /** The authenticated user as StarRocks shows it (`'root'@'%'`); undefined means the home's owner (root). */
  user?: { name: string; host: string };
  /** The active roles SET ROLE chose; undefined means the user's default roles. */
  roles?: string[];
  /** The MySQL door's connection id (CONNECTION_ID()); other doors have none. */
  connectionId?: number;
  /** Session variables set by `SET`, lower-case names; unset ones read as their defaults. */
  variables?: Map<string, string>;
}

export function dbOf(session: Session, name?: QualifiedName | string): string {
  const db = typeof name === 'string' ? name : name?.db;
  const resolved = db ?? session.db;
  if (!resolved) throw new AnalysisError('No database selected', { mysqlCode: 'ERR_NO_DB_ERROR' });
  return resolved;
}
