import { AnalysisError } from '../domain/errors.ts';
import type { QualifiedName } from '../sql/ast.ts';

/** Per-connection state: the current database of `USE`. */
export interface Session {
  db?: string;
}

export function dbOf(session: Session, name?: QualifiedName | string): string {
  const db = typeof name === 'string' ? name : name?.db;
  const resolved = db ?? session.db;
  if (!resolved) throw new AnalysisError('No database selected');
  return resolved;
}
