import type { TypeRef } from './ast.ts';
import {
  ifExists, ifNotExists, optionalProperties, propertyList, qualifiedName, rawQuery, typeRef,
} from './parse-clauses.ts';
import { opt, type StatementBody, type TokenStream } from './token-stream.ts';

/** After `CREATE DATABASE`. */
export function parseCreateDatabase(ts: TokenStream): StatementBody {
  const notExists = ifNotExists(ts);
  return { kind: 'CreateDatabase', name: ts.identifier(), ifNotExists: notExists };
}

/** After `DROP DATABASE`. */
export function parseDropDatabase(ts: TokenStream): StatementBody {
  const exists = ifExists(ts);
  const name = ts.identifier();
  return { kind: 'DropDatabase', name, ifExists: exists, force: ts.optionalKeyword('FORCE') };
}

/** After `USE`. */
export function parseUse(ts: TokenStream): StatementBody {
  return { kind: 'Use', db: ts.identifier() };
}

/** After `DROP TABLE`. */
export function parseDropTable(ts: TokenStream): StatementBody {
  const exists = ifExists(ts);
  const name = qualifiedName(ts);
  return { kind: 'DropTable', name, ifExists: exists, force: ts.optionalKeyword('FORCE') };
}

/** After `CREATE [OR REPLACE] VIEW`. Column comments are accepted but the AST does not keep them. */
export function parseCreateView(ts: TokenStream, orReplace: boolean): StatementBody {
  const notExists = ifNotExists(ts);
  const name = qualifiedName(ts);
  let columns: string[] | undefined;
  if (ts.optionalSymbol('(')) {
    columns = [];
    do {
      columns.push(ts.identifier());
      if (ts.optionalKeyword('COMMENT')) ts.stringLiteral();
    } while (ts.optionalSymbol(','));
    ts.expectSymbol(')');
  }
  const comment = ts.optionalKeyword('COMMENT') ? ts.stringLiteral() : undefined;
  ts.expectKeyword('AS');
  const query = rawQuery(ts);
  return {
    kind: 'CreateView', name, ifNotExists: notExists, orReplace, ...opt('columns', columns), query, ...opt('comment', comment),
  };
}

/** After `DROP VIEW`. */
export function parseDropView(ts: TokenStream): StatementBody {
  const exists = ifExists(ts);
  return { kind: 'DropView', name: qualifiedName(ts), ifExists: exists };
}

/** After `CREATE [GLOBAL] [AGGREGATE | TABLE] FUNCTION`. */
export function parseCreateFunction(
  ts: TokenStream,
  flags: { global: boolean; aggregate: boolean; table: boolean },
): StatementBody {
  const notExists = ifNotExists(ts);
  const name = qualifiedName(ts);
  const { argTypes, variadic } = argumentTypes(ts);
  ts.expectKeyword('RETURNS');
  const returnType = typeRef(ts);
  const intermediateType = ts.optionalKeyword('INTERMEDIATE') ? typeRef(ts) : undefined;
  const properties = optionalProperties(ts);
  return {
    kind: 'CreateFunction', name, ifNotExists: notExists, ...flags, argTypes, variadic, returnType,
    ...opt('intermediateType', intermediateType), properties,
  };
}

/** After `DROP FUNCTION`. */
export function parseDropFunction(ts: TokenStream): StatementBody {
  const exists = ifExists(ts);
  const name = qualifiedName(ts);
  return { kind: 'DropFunction', name, ifExists: exists, ...argumentTypes(ts) };
}

/** `(TYPE, …[, ...])`, `(...)` or `()`. */
export function argumentTypes(ts: TokenStream): { argTypes: TypeRef[]; variadic: boolean } {
  ts.expectSymbol('(');
  const argTypes: TypeRef[] = [];
  let variadic = false;
  if (!ts.isSymbol(')')) {
    do {
      if (ts.optionalSymbol('...')) {
        variadic = true;
        break;
      }
      argTypes.push(typeRef(ts));
    } while (ts.optionalSymbol(','));
  }
  ts.expectSymbol(')');
  return { argTypes, variadic };
}

/** After `CREATE EXTERNAL CATALOG`; PROPERTIES are required, since they say what the catalog is. */
export function parseCreateCatalog(ts: TokenStream): StatementBody {
  const notExists = ifNotExists(ts);
  const name = ts.identifierOrString();
  const comment = ts.optionalKeyword('COMMENT') ? ts.stringLiteral() : undefined;
  ts.expectKeyword('PROPERTIES');
  const properties = propertyList(ts);
  return { kind: 'CreateCatalog', name, ifNotExists: notExists, properties, ...opt('comment', comment) };
}

/** After `DROP CATALOG`. */
export function parseDropCatalog(ts: TokenStream): StatementBody {
  const exists = ifExists(ts);
  return { kind: 'DropCatalog', name: ts.identifierOrString(), ifExists: exists };
}
