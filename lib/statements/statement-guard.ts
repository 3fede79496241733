import { accessDenied } from '../access/access-denied.ts';
import type { PrivilegeSet } from '../access/privilege-set.ts';
import type { ObjectTypeName, PrivilegeName, PrivilegeTarget } from '../access/privilege-types.ts';
import type { QualifiedName } from '../sql/ast.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import type { ResultSet } from './result-set.ts';
import type { Session } from './session.ts';

/** Keeps the rows of a SHOW the session may see (StarRocks filters these in ShowExecutor, not before). */
export type ResultFilter = (rs: ResultSet) => Promise<ResultSet>;

/** What kind of table-like object a name is in a database, if any. */
export type TableLike = 'TABLE' | 'VIEW' | 'MATERIALIZED VIEW';

/** One statement's check: the session's privileges, loaded once, and the lookups the rules need. */
export class StatementGuard {
  constructor(
    readonly ctx: ServiceContext,
    readonly session: Session,
    readonly set: PrivilegeSet,
  ) {}

  /**
   * The database a name is in; undefined when neither the name nor USE gives one, and then the rule skips:
   * the executor reports `No database selected`, as StarRocks' analyzer does before its authorizer.
   */
  dbOf(name?: QualifiedName | string): string | undefined {
    return (typeof name === 'string' ? name : name?.db) ?? this.session.db;
  }

  /** Throws StarRocks' access-denied error unless the session holds one of `privileges` on `target`. */
  require(privileges: PrivilegeName | readonly PrivilegeName[], target: PrivilegeTarget, shownPrivilege?: string, shownObject?: string): void {
    const wanted = typeof privileges === 'string' ? [privileges] : privileges;
    if (!wanted.some((p) => this.set.has(p, target))) throw accessDenied(this.set, shownPrivilege ?? wanted.join(' OR '), target, shownObject);
  }

  /** StarRocks' checkAnyActionOn…: any privilege on the object, refused as `ANY … on <type> <name>`. */
  requireAny(target: PrivilegeTarget, shownType?: ObjectTypeName): void {
    if (!this.set.hasAny(target)) throw accessDenied(this.set, 'ANY', shownType ?? target.type, objectName(target));
  }

  async tableLike(db: string, name: string): Promise<TableLike | undefined> {
    if (await this.ctx.catalog.getView(db, name)) return 'VIEW';
    const rec = await this.ctx.catalog.getTable(db, name);
    if (!rec) return undefined;
    return rec.doc.def.type === 'MATERIALIZED_VIEW' || rec.doc.def.mv ? 'MATERIALIZED VIEW' : 'TABLE';
  }

  /** SELECT on what `from` names (ColumnPrivilege.check: TABLE, VIEW or MATERIALIZED VIEW by what it is). */
  async requireSelect(from: QualifiedName, defaultDb?: string): Promise<void> {
    const db = from.db ?? defaultDb ?? this.session.db;
    if (db === undefined) return;
    const kind = await this.tableLike(db, from.name);
    if (kind) this.require('SELECT', { type: kind, db, name: from.name });
  }
}

function objectName(t: PrivilegeTarget): string | undefined {
  return 'name' in t ? t.name : 'db' in t ? t.db : undefined;
}
