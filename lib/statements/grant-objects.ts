import { AccountStore } from '../access/account-store.ts';
import { allObjectsOf } from '../access/built-in-roles.ts';
import { ALL, DEFAULT_CATALOG, type GrantEntry, type ObjectTypeName, PRIVILEGES_OF, type PrivilegeName } from '../access/privilege-types.ts';
import { identityText, semanticError } from '../access/user-identity.ts';
import { AnalysisError } from '../domain/errors.ts';
import { functionSignature } from '../cluster/catalog-store.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import type { FunctionRef, PrivObject, UserRef } from '../sql/ast.ts';
import { typeText } from './object-statements.ts';
import { dbOf, type Session } from './session.ts';

/**
 * What GRANT/REVOKE … ON names, resolved and checked as StarRocks' analyzer does (fe-core sql/analyzer/
 * AuthorizationAnalyzer.visitGrantRevokePrivilegeStatement, analyzeTokens, analyzeFuncPrivToken,
 * analyzeUserPrivToken; authorization/DefaultAuthorizationProvider.validateGrant), with its messages: the
 * objects must exist, unqualified names are in the current database, and each privilege must be one the
 * object type takes.
 */
export interface ResolvedGrant {
  type: ObjectTypeName;
  privileges: PrivilegeName[];
  objects: GrantEntry['object'][];
}

export async function resolveGrant(ctx: ServiceContext, session: Session, on: PrivObject, privileges: string[]): Promise<ResolvedGrant> {
  const { type, objects } = await resolveObjects(ctx, session, on);
  return { type, objects, privileges: resolvePrivileges(type, privileges) };
}

/** `ALL [PRIVILEGES]` is every privilege of the type, in StarRocks' order; the rest must belong to the type. */
function resolvePrivileges(type: ObjectTypeName, written: string[]): PrivilegeName[] {
  const wanted = new Set<PrivilegeName>();
  for (const p of written) {
    if (p === 'ALL') PRIVILEGES_OF[type].forEach((x) => wanted.add(x));
    else if ((PRIVILEGES_OF[type] as readonly string[]).includes(p)) wanted.add(p as PrivilegeName);
    else throw semanticError(`Cannot grant or revoke ${p} on '${type}' type object`);
  }
  if (type === 'SYSTEM') {
    for (const bad of ['GRANT', 'NODE'] as const) {
      if (wanted.has(bad)) throw semanticError(`Operation not permitted, '${bad}' cannot be granted to user or role directly, use built-in role instead`);
    }
  }
  return PRIVILEGES_OF[type].filter((p) => wanted.has(p));
}

async function resolveObjects(ctx: ServiceContext, session: Session, on: PrivObject): Promise<{ type: ObjectTypeName; objects: GrantEntry['object'][] }> {
  switch (on.kind) {
    case 'system': return { type: 'SYSTEM', objects: [{}] };
    case 'all': return { type: on.type, objects: [await allObject(ctx, on)] };
    case 'users': return { type: 'USER', objects: await Promise.all(on.users.map(async (u) => ({ user: identityText(await existingUser(ctx, u)) }))) };
    case 'functions': {
      const type = on.global ? 'GLOBAL FUNCTION' : 'FUNCTION';
      return { type, objects: await Promise.all(on.functions.map((f) => functionObject(ctx, session, f, on.global))) };
    }
    case 'names': {
      const objects: GrantEntry['object'][] = [];
      for (const tokens of on.names) objects.push(await namedObject(ctx, session, on.type, tokens));
      return { type: on.type, objects };
    }
  }
}

const invalidObject = (tokens: string[]) => semanticError(`Invalid grant statement with error privilege object [${tokens.join(', ')}]`);

/** `ON ALL <type>s …`: the tokens StarRocks' AstBuilder makes of it must fit the type (analyzeTokens). */
async function allObject(ctx: ServiceContext, on: Extract<PrivObject, { kind: 'all' }>): Promise<GrantEntry['object']> {
  const tokens = on.in === undefined ? [ALL] : 'db' in on.in ? [on.in.db, ALL] : [ALL, ALL];
  const inDatabases = on.type === 'TABLE' || on.type === 'VIEW' || on.type === 'MATERIALIZED VIEW' || on.type === 'FUNCTION';
  if (tokens.length !== (inDatabases ? 2 : 1)) throw invalidObject(tokens);
  if (!inDatabases) return allObjectsOf(on.type);
  const db = tokens[0]!;
  if (db !== ALL && !(await ctx.catalog.getDatabase(db))) {
    throw on.type === 'FUNCTION' ? semanticError(`Database ${db} is not found`) : semanticError(`cannot find db: ${db}`);
  }
  return { db, name: ALL };
}

async function existingUser(ctx: ServiceContext, u: UserRef): Promise<UserRef> {
  if (!(await new AccountStore(ctx.catalog.table).get(u))) throw semanticError(`cannot find user ${identityText(u)}!`);
  return u;
}

/** `db.f(types)`: the exact signature must exist; the grant then covers the function by name. */
async function functionObject(ctx: ServiceContext, session: Session, f: FunctionRef, global: boolean): Promise<GrantEntry['object']> {
  const sig = functionSignature({ name: f.name.name, argTypes: f.argTypes.map(typeText), variadic: f.variadic });
  // starbackup keeps functions in databases only, so no global function exists to be granted.
  if (global) throw semanticError(`cannot find function ${f.name.db === undefined ? '' : `${f.name.db}.`}${f.name.name}!`);
  if (f.name.db === undefined && !session.db) throw semanticError('database not selected');
  const db = dbOf(session, f.name);
  if (!(await ctx.catalog.getDatabase(db))) throw semanticError(`Database ${db} is not found`);
  if (!(await ctx.catalog.listFunctions(db)).some((x) => functionSignature(x) === sig)) throw semanticError(`cannot find function ${db}.${f.name.name}!`);
  return { db, name: f.name.name };
}

/** CATALOG c, DATABASE [c.]d, TABLE/VIEW/MATERIALIZED VIEW [db.]name, each part possibly `*`. */
async function namedObject(ctx: ServiceContext, session: Session, type: ObjectTypeName, tokens: string[]): Promise<GrantEntry['object']> {
  if (type === 'CATALOG') {
    if (tokens.length !== 1) throw invalidObject(tokens);
    return { catalog: await existingCatalog(ctx, tokens[0]!) };
  }
  if (type === 'DATABASE') {
    const [catalog, db] = tokens.length === 2 ? [tokens[0]!, tokens[1]!] : [DEFAULT_CATALOG, tokens[0]!];
    await existingCatalog(ctx, catalog);
    // A database grant names no catalog when checked, so one on an external catalog's database would
    // widen to the default catalog's database of that name: refused rather than stored.
    if (catalog !== DEFAULT_CATALOG) throw new AnalysisError(`Grants on databases of external catalog ${catalog} are not supported by starbackup`);
    if (db !== ALL && !(await ctx.catalog.getDatabase(db))) throw semanticError(`cannot find db: ${db}`);
    return { db };
  }
  const [db, name] = tokens.length === 2 ? [tokens[0]!, tokens[1]!] : [dbOf(session), tokens[0]!];
  if (db !== ALL && !(await ctx.catalog.getDatabase(db))) throw semanticError(`cannot find db: ${db}`);
  if (db !== ALL && name !== ALL && !(await objectExists(ctx, type, db, name))) {
    throw semanticError(`cannot find ${type.toLowerCase()} ${name} in db ${db}`);
  }
  return { db, name };
}

async function existingCatalog(ctx: ServiceContext, name: string): Promise<string> {
  if (name === ALL || name === DEFAULT_CATALOG || (await ctx.catalog.getCatalog(name))) return name;
  throw semanticError(`cannot find catalog: ${name}`);
}

/** A table is a table that is no materialized view; views are kept apart. */
async function objectExists(ctx: ServiceContext, type: ObjectTypeName, db: string, name: string): Promise<boolean> {
  if (type === 'VIEW') return (await ctx.catalog.getView(db, name)) !== undefined;
  const table = await ctx.catalog.getTable(db, name);
  if (!table) return false;
  return type === 'MATERIALIZED VIEW' ? table.doc.def.mv !== undefined : table.doc.def.mv === undefined;
}
