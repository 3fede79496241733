/**
 * The statement AST: discriminated unions on `kind`. Names keep the case they were written in
 * (backquotes removed); keywords are matched case-insensitively by the parser.
 */

/** `db.name` or `name`. */
export interface QualifiedName {
  db?: string;
  name: string;
}

export type Literal =
  | { kind: 'literal'; type: 'string'; value: string }
  /** The number as written (`-12`, `3.50`, `1e3`), so no precision is lost before typing. */
  | { kind: 'literal'; type: 'number'; value: string }
  | { kind: 'literal'; type: 'boolean'; value: boolean }
  | { kind: 'literal'; type: 'null' };

export type Expr =
  | Literal
  | { kind: 'column'; name: string }
  | { kind: 'compare'; op: '=' | '!=' | '<' | '<=' | '>' | '>='; left: Expr; right: Expr }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; operand: Expr }
  | { kind: 'in'; operand: Expr; values: Expr[]; negated: boolean }
  | { kind: 'isNull'; operand: Expr; negated: boolean }
  | { kind: 'like'; operand: Expr; pattern: Expr; negated: boolean };

/** A column type as written: `VARCHAR(20)` is {name: 'VARCHAR', params: [20]}; name upper-cased. */
export interface TypeRef {
  name: string;
  params: number[];
}

export interface ColumnDef {
  name: string;
  type: TypeRef;
  /** true = NULL, false = NOT NULL, undefined = not said (StarRocks: nullable unless a key). */
  nullable?: boolean;
  defaultValue?: Literal;
  /** Aggregate-key value columns: SUM, MAX, MIN, REPLACE, REPLACE_IF_NOT_NULL, HLL_UNION, BITMAP_UNION. */
  aggregate?: string;
  autoIncrement?: boolean;
  comment?: string;
}

export { KeysType, type KeysTypeValue } from '../domain/catalog-types.ts';
import type { KeysTypeValue } from '../domain/catalog-types.ts';

export interface RangePartitionDef {
  name: string;
  /** `VALUES LESS THAN ("v", …)`: one bound per partition column; `MAXVALUE` is {maxValue: true}. */
  lessThan?: { maxValue: true } | { values: string[] };
  /** `VALUES [("a"), ("b"))`: fixed lower (inclusive) and upper (exclusive) bounds. */
  fixed?: { lower: string[]; upper: string[] };
}

export interface ListPartitionDef {
  name: string;
  /** `VALUES IN ("a", "b")` or, for several columns, `VALUES IN (("a", 1), ("b", 2))`. */
  values: string[][];
}

export type PartitionDesc =
  | { type: 'RANGE'; columns: string[]; partitions: RangePartitionDef[] }
  | { type: 'LIST'; columns: string[]; partitions: ListPartitionDef[] };

export type DistributionDesc =
  | { type: 'HASH'; columns: string[]; buckets?: number }
  | { type: 'RANDOM'; buckets?: number };

export type Properties = Record<string, string>;

/** One item of `ON (…)` in BACKUP or RESTORE. A bare name is a table. */
export type ObjectRef =
  | { kind: 'TABLE'; name: QualifiedName; partitions?: string[]; alias?: string }
  | { kind: 'ALL_TABLES' }
  | { kind: 'MATERIALIZED_VIEW'; name: QualifiedName; alias?: string }
  | { kind: 'ALL_MATERIALIZED_VIEWS' }
  | { kind: 'VIEW'; name: QualifiedName; alias?: string }
  | { kind: 'ALL_VIEWS' }
  | { kind: 'FUNCTION'; name: QualifiedName; alias?: string }
  | { kind: 'ALL_FUNCTIONS' };

/** `ALL EXTERNAL CATALOGS` or `EXTERNAL CATALOG(S) (c [AS c2], …)` (aliases only in RESTORE). */
export type CatalogRefs = { all: true } | { all: false; items: { name: string; alias?: string }[] };

/** An item of `SELECT` without FROM: a literal, a system variable `@@[scope.]name`, or a session function. */
export type SessionExpr =
  | { kind: 'literal'; literal: Literal }
  | { kind: 'variable'; name: string; scope: 'SESSION' | 'GLOBAL' }
  /** `DATABASE()`, `CURRENT_USER`, …: the name upper-cased, without parentheses. */
  | { kind: 'function'; name: string };

/** The right side of `SET name = …`: a literal, a bare word (`ON`, `utf8mb4`), or DEFAULT. */
export type SetValue = { type: 'literal'; literal: Literal } | { type: 'word'; word: string } | { type: 'default' };

/** One item of a SET statement. LOCAL is SESSION. */
export type SetItem =
  | { kind: 'variable'; scope: 'SESSION' | 'GLOBAL'; name: string; value: SetValue }
  /** `SET NAMES cs [COLLATE c]`, `SET CHARACTER SET cs`; undefined charset is DEFAULT. */
  | { kind: 'names'; charset?: string; collation?: string }
  | { kind: 'transaction'; scope: 'SESSION' | 'GLOBAL'; isolation?: string; readOnly?: boolean };

/** `'u'@'host'`; the host is `%` when not written. */
export interface UserRef {
  user: string;
  host: string;
}

/**
 * `IDENTIFIED [WITH plugin] [BY ['pw' | PASSWORD '*hash'] | AS '*hash']`: a clear password or a hash, never
 * both. Only the statement's executor sees the clear one, to hash it; echoed texts mask it (redact-statement.ts).
 */
export interface AuthOption {
  plugin?: string;
  password?: { kind: 'plain'; value: string } | { kind: 'hash'; value: string };
}

/** The object types GRANT and REVOKE take (StarRocks' privObjectType / privObjectTypePlural, singular). */
export type PrivObjectType = 'CATALOG' | 'DATABASE' | 'TABLE' | 'VIEW' | 'MATERIALIZED VIEW' | 'FUNCTION' | 'GLOBAL FUNCTION' | 'USER';

/** `db.f(INT, …)`: a function by its signature, as GRANT … ON FUNCTION names it. */
export interface FunctionRef {
  name: QualifiedName;
  argTypes: TypeRef[];
  variadic: boolean;
}

/** What GRANT/REVOKE … ON names. */
export type PrivObject =
  | { kind: 'system' }
  /** `TABLE db.t, t2`, `DATABASE d`, `CATALOG c` or the brief `ON db.t` (TABLE): each name 1 or 2 parts, `*` allowed. */
  | { kind: 'names'; type: Exclude<PrivObjectType, 'FUNCTION' | 'GLOBAL FUNCTION' | 'USER'>; names: string[][] }
  | { kind: 'functions'; global: boolean; functions: FunctionRef[] }
  | { kind: 'users'; users: UserRef[] }
  /** `ALL TABLES [IN DATABASE d | IN ALL DATABASES]`, `ALL DATABASES`, `ALL USERS`, …: no `in` when not written. */
  | { kind: 'all'; type: PrivObjectType; in?: { db: string } | { allDatabases: true } };

/** Who GRANT/REVOKE is for: `[USER] 'u'@'h'` or `ROLE r`. */
export type Grantee = { user: UserRef } | { role: string };

/** `SET ROLE` / `SET DEFAULT ROLE` / `ALTER USER … DEFAULT ROLE`: ROLES is a list; ALL may have EXCEPT roles. */
export type RoleChoice = { mode: 'DEFAULT' | 'NONE' | 'ALL' | 'ROLES'; roles: string[] };

interface Base {
  /** The statement's own text, trimmed, without the terminating `;`. */
  text: string;
}

export type Statement = Base &
  (
    | { kind: 'CreateDatabase'; name: string; ifNotExists: boolean }
    | { kind: 'DropDatabase'; name: string; ifExists: boolean; force: boolean }
    | { kind: 'Use'; db: string }
    | {
        kind: 'CreateTable';
        name: QualifiedName;
        ifNotExists: boolean;
        columns: ColumnDef[];
        keys?: { type: KeysTypeValue; columns: string[] };
        partition?: PartitionDesc;
        distribution?: DistributionDesc;
        properties: Properties;
        comment?: string;
      }
    | { kind: 'DropTable'; name: QualifiedName; ifExists: boolean; force: boolean }
    | {
        kind: 'Insert';
        table: QualifiedName;
        overwrite: boolean;
        partitions?: string[];
        columns?: string[];
        source: { type: 'values'; rows: Literal[][] } | { type: 'files'; properties: Properties };
      }
    | {
        kind: 'Select';
        /** `*`, `COUNT(*)`, or named columns. */
        projection: { type: 'star' } | { type: 'count' } | { type: 'columns'; columns: { expr: Expr; alias?: string }[] };
        from: QualifiedName;
        partitions?: string[];
        where?: Expr;
        limit?: number;
      }
    | { kind: 'ShowDatabases' }
    | { kind: 'ShowTables'; db?: string }
    | { kind: 'ShowPartitions'; table: QualifiedName }
    | { kind: 'ShowCreateTable'; table: QualifiedName; object: 'TABLE' | 'VIEW' | 'MATERIALIZED VIEW' }
    | { kind: 'CreateView'; name: QualifiedName; ifNotExists: boolean; orReplace: boolean; columns?: string[]; query: string; comment?: string }
    | { kind: 'DropView'; name: QualifiedName; ifExists: boolean }
    | {
        kind: 'CreateFunction';
        name: QualifiedName;
        ifNotExists: boolean;
        global: boolean;
        aggregate: boolean;
        table: boolean;
        argTypes: TypeRef[];
        variadic: boolean;
        returnType: TypeRef;
        intermediateType?: TypeRef;
        properties: Properties;
      }
    | { kind: 'DropFunction'; name: QualifiedName; ifExists: boolean; argTypes: TypeRef[]; variadic: boolean }
    | { kind: 'ShowFunctions'; db?: string; full: boolean; builtin: boolean; global: boolean }
    | {
        kind: 'CreateMaterializedView';
        name: QualifiedName;
        ifNotExists: boolean;
        /** No REFRESH clause (and no DISTRIBUTED BY / PARTITION BY) makes a synchronous MV. */
        refresh?: { mode: 'ASYNC' | 'MANUAL' | 'IMMEDIATE' | 'DEFERRED'; text: string };
        partitionBy?: string[];
        distribution?: DistributionDesc;
        properties: Properties;
        comment?: string;
        query: string;
      }
    | { kind: 'DropMaterializedView'; name: QualifiedName; ifExists: boolean }
    | { kind: 'RefreshMaterializedView'; name: QualifiedName }
    | { kind: 'AlterMaterializedViewActive'; name: QualifiedName; active: boolean }
    | { kind: 'ShowMaterializedViews'; db?: string; where?: Expr; like?: string }
    | { kind: 'CreateCatalog'; name: string; ifNotExists: boolean; properties: Properties; comment?: string }
    | { kind: 'DropCatalog'; name: string; ifExists: boolean }
    | { kind: 'ShowCatalogs' }
    | { kind: 'CreateRepository'; name: string; readOnly: boolean; broker?: string; location: string; properties: Properties }
    | { kind: 'DropRepository'; name: string }
    | { kind: 'ShowRepositories' }
    | {
        kind: 'Backup';
        /** `DATABASE d` (3.4 syntax). */
        db?: string;
        /** `SNAPSHOT s` or, in the legacy syntax, `SNAPSHOT d.s`. */
        snapshot: QualifiedName;
        repo: string;
        catalogs?: CatalogRefs;
        /** `ALL USERS`: every user, non-built-in role and grant (starbackup's own, beyond StarRocks). */
        accounts?: true;
        on?: ObjectRef[];
        properties: Properties;
      }
    | {
        kind: 'Restore';
        snapshot: QualifiedName;
        repo: string;
        catalogs?: CatalogRefs;
        /** `ALL USERS`: the users, roles and grants of an accounts snapshot. */
        accounts?: true;
        db?: string;
        dbAlias?: string;
        on?: ObjectRef[];
        properties: Properties;
      }
    | { kind: 'ShowBackup'; db?: string; where?: Expr }
    | { kind: 'ShowRestore'; db?: string; where?: Expr }
    | { kind: 'ShowSnapshot'; repo: string; where?: Expr }
    | { kind: 'CancelBackup'; db?: string; externalCatalog: boolean }
    | { kind: 'CancelRestore'; db?: string; externalCatalog: boolean }
    | { kind: 'DropSnapshot'; snapshot: string; repo: string; force: boolean }
    | { kind: 'SelectValues'; items: { expr: SessionExpr; title: string }[]; limit?: number }
    | { kind: 'SetVariables'; items: SetItem[] }
    | { kind: 'ShowVariables'; global: boolean; like?: string; where?: Expr }
    | { kind: 'ShowStatus'; global: boolean; like?: string; where?: Expr }
    /** `SHOW WARNINGS` or `SHOW ERRORS` (errors: true). */
    | { kind: 'ShowWarnings'; errors: boolean }
    | { kind: 'CreateUser'; user: UserRef; ifNotExists: boolean; auth?: AuthOption; defaultRoles?: string[] }
    | { kind: 'AlterUser'; user: UserRef; ifExists: boolean; auth: AuthOption }
    | { kind: 'DropUser'; user: UserRef; ifExists: boolean }
    | { kind: 'ShowUsers' }
    /** `SET PASSWORD [FOR u] = PASSWORD('pw') | '*hash'`; no FOR is the connected user. */
    | { kind: 'SetPassword'; user?: UserRef; auth: AuthOption }
    | { kind: 'AdminVerifySnapshot'; snapshot: string; repo: string; properties: Properties }
    /** starbackup's own: collects the blobs no `__meta` names (left by cancelled or killed backups). */
    | { kind: 'AdminCleanRepository'; repo: string }
    /** `GRANT privileges ON object TO grantee [WITH GRANT OPTION]`; privileges upper-cased, `ALL [PRIVILEGES]` as 'ALL'. */
    | { kind: 'GrantPrivilege'; privileges: string[]; on: PrivObject; grantee: Grantee; withGrantOption: boolean }
    | { kind: 'RevokePrivilege'; privileges: string[]; on: PrivObject; grantee: Grantee }
    | { kind: 'GrantRole'; roles: string[]; grantee: Grantee }
    | { kind: 'RevokeRole'; roles: string[]; grantee: Grantee }
    | { kind: 'CreateRole'; roles: string[]; ifNotExists: boolean; comment?: string }
    | { kind: 'AlterRole'; roles: string[]; ifExists: boolean; comment: string }
    | { kind: 'DropRole'; roles: string[]; ifExists: boolean }
    | { kind: 'ShowRoles' }
    /** No FOR: the connected user's own grants. */
    | { kind: 'ShowGrants'; user?: UserRef; role?: string }
    | ({ kind: 'SetRole' } & RoleChoice)
    /** `SET DEFAULT ROLE … TO u` and `ALTER USER u DEFAULT ROLE …` (mode never DEFAULT). */
    | ({ kind: 'SetDefaultRole'; user: UserRef } & RoleChoice)
  );

export type StatementKind = Statement['kind'];
export type StatementOf<K extends StatementKind> = Extract<Statement, { kind: K }>;
