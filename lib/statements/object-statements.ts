import type { CatalogDef, FunctionDef, ViewDef } from '../domain/catalog-types.ts';
import { AnalysisError, NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { checkName } from '../domain/names.ts';
import { catalogSecretProperties } from '../domain/secret-properties.ts';
import { splitSecrets } from '../domain/secrets.ts';
import type { StatementOf, TypeRef } from '../sql/ast.ts';
import { functionSignature } from '../cluster/catalog-store.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { type ResultSet, columns, ok } from './result-set.ts';
import { type Session, dbOf } from './session.ts';

/** Views, UDFs and external catalogs: metadata objects the cluster keeps and snapshots carry. */
export const typeText = (t: TypeRef) => `${t.name.toUpperCase()}${t.params.length ? `(${t.params.join(',')})` : ''}`;

export async function createView(ctx: ServiceContext, s: StatementOf<'CreateView'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.name);
  await ctx.catalog.requireDatabase(db);
  const name = checkName('View', s.name.name);
  if (s.ifNotExists && (await ctx.catalog.nameTaken(db, name))) return ok();
  const view: ViewDef = { id: newId(), name, query: s.query, createTime: ctx.clock.now() };
  if (s.columns) view.columns = s.columns;
  if (s.comment !== undefined) view.comment = s.comment;
  await ctx.catalog.putView(db, view, s.orReplace);
  return ok();
}

export async function dropView(ctx: ServiceContext, s: StatementOf<'DropView'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.name);
  if (!(await ctx.catalog.getView(db, s.name.name))) {
    if (s.ifExists) return ok();
    throw new NotFoundError(`Unknown view '${db}.${s.name.name}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
  }
  await ctx.catalog.dropView(db, s.name.name);
  return ok();
}

export function showCreateView(view: ViewDef): string {
  const cols = view.columns ? ` (${view.columns.map((c) => `\`${c}\``).join(', ')})` : '';
  const comment = view.comment !== undefined ? ` COMMENT "${view.comment.replace(/"/g, '\\"')}"` : '';
  return `CREATE VIEW \`${view.name}\`${cols}${comment} AS ${view.query};`;
}

export async function createFunction(ctx: ServiceContext, s: StatementOf<'CreateFunction'>, session: Session): Promise<ResultSet> {
  if (s.global) throw new AnalysisError('GLOBAL functions are not supported; create the function in a database');
  const db = dbOf(session, s.name);
  await ctx.catalog.requireDatabase(db);
  const props = s.properties;
  for (const key of ['symbol', 'file']) {
    if (!props[key] && !(s.aggregate && key === 'symbol')) throw new AnalysisError(`Required property '${key}' is missing in CREATE FUNCTION ${s.name.name}`);
  }
  const f: FunctionDef = {
    id: newId(), name: checkName('Function', s.name.name), argTypes: s.argTypes.map(typeText), variadic: s.variadic,
    returnType: typeText(s.returnType), kind: s.aggregate ? 'AGGREGATE' : s.table ? 'TABLE' : 'SCALAR',
    properties: { ...props }, createTime: ctx.clock.now(),
  };
  if (s.intermediateType) f.intermediateType = typeText(s.intermediateType);
  if (s.ifNotExists && (await ctx.catalog.listFunctions(db)).some((x) => functionSignature(x) === functionSignature(f))) return ok();
  await ctx.catalog.createFunction(db, f);
  return ok();
}

export async function dropFunction(ctx: ServiceContext, s: StatementOf<'DropFunction'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.name);
  const sig = functionSignature({ name: s.name.name, argTypes: s.argTypes.map(typeText), variadic: s.variadic });
  const f = (await ctx.catalog.listFunctions(db)).find((x) => functionSignature(x) === sig);
  if (!f) {
    if (s.ifExists) return ok();
    throw new NotFoundError(`Unknown function: ${sig}`);
  }
  await ctx.catalog.dropFunction(db, f);
  return ok();
}

const FUNCTIONS = columns<FunctionDef>([['Function Name', functionSignature]]);

const FULL_FUNCTIONS = columns<FunctionDef>([
  ['Signature', functionSignature],
  ['Return Type', (f) => f.returnType],
  ['Function Type', (f) => f.kind],
  ['Intermediate Type', (f) => f.intermediateType ?? null],
  ['Properties', (f) => JSON.stringify(f.properties)],
]);

export async function showFunctions(ctx: ServiceContext, s: StatementOf<'ShowFunctions'>, session: Session): Promise<ResultSet> {
  if (s.builtin || s.global) return FUNCTIONS.of([]);
  const db = dbOf(session, s.db);
  await ctx.catalog.requireDatabase(db);
  return (s.full ? FULL_FUNCTIONS : FUNCTIONS).of(await ctx.catalog.listFunctions(db));
}

export async function createCatalog(ctx: ServiceContext, s: StatementOf<'CreateCatalog'>): Promise<ResultSet> {
  const name = checkName('Catalog', s.name);
  if (name.toLowerCase() === 'default_catalog') throw new AnalysisError("Can't create catalog 'default_catalog'; it is the internal catalog");
  const type = s.properties.type;
  if (!type) throw new AnalysisError(`Missing property 'type' of external catalog ${name}`);
  if (s.ifNotExists && (await ctx.catalog.getCatalog(name))) return ok();
  // Sealed: what the catalog type declares secret, and whatever looks like a secret.
  const { plain, secrets } = splitSecrets(s.properties, catalogSecretProperties(type));
  const def: CatalogDef = { id: newId(), name, type: type.toLowerCase(), properties: plain, createTime: ctx.clock.now() };
  if (Object.keys(secrets).length) def.sealedSecrets = await ctx.sealer.seal(secrets, `catalog:${name}`);
  if (s.comment !== undefined) def.comment = s.comment;
  await ctx.catalog.createCatalog(def);
  return ok();
}

export async function dropCatalog(ctx: ServiceContext, s: StatementOf<'DropCatalog'>): Promise<ResultSet> {
  if (!(await ctx.catalog.getCatalog(s.name))) {
    if (s.ifExists) return ok();
    throw new NotFoundError(`Unknown catalog '${s.name}'`, { mysqlCode: 'ERR_BAD_CATALOG_ERROR' });
  }
  await ctx.catalog.dropCatalog(s.name);
  return ok();
}

const CATALOGS = columns<{ name: string; type: string; comment?: string }>([
  ['Catalog', (c) => c.name],
  ['Type', (c) => c.type[0]!.toUpperCase() + c.type.slice(1)],
  ['Comment', (c) => c.comment ?? null],
]);

/** The internal catalog first, as StarRocks lists it. */
const DEFAULT_CATALOG = { name: 'default_catalog', type: 'internal', comment: 'An internal catalog contains this cluster\'s self-managed tables.' };

export async function showCatalogs(ctx: ServiceContext): Promise<ResultSet> {
  return CATALOGS.of([DEFAULT_CATALOG, ...(await ctx.catalog.listCatalogs())]);
}
