import { AccountStore } from '../access/account-store.ts';
import { GrantStore } from '../access/grant-store.ts';
import { checkedNativeHash, type NativeHash, nativePasswordHash } from '../access/password-hash.ts';
import { ANY_HOST, ROOT_USER, type UserIdentity, checkIdentity, identityText, semanticError } from '../access/user-identity.ts';
import { AnalysisError } from '../domain/errors.ts';
import type { AuthOption, StatementOf } from '../sql/ast.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { type ResultSet, ok, table } from './result-set.ts';
import { checkDefaultRoles, grantDefaultRoles } from './role-statements.ts';
import type { Session } from './session.ts';

/**
 * CREATE/ALTER/DROP USER, SHOW USERS and SET PASSWORD, with StarRocks' checks in its order and its messages
 * (fe-core sql/analyzer/AuthenticationAnalyzer, UserAuthOptionAnalyzer). Accounts live in the catalog
 * (lib/access/account-store.ts) as mysql_native_password hashes only. Until privileges exist, any
 * connected user may run them.
 */
const accountsOf = (ctx: ServiceContext) => new AccountStore(ctx.catalog.table);

export async function createUser(ctx: ServiceContext, s: StatementOf<'CreateUser'>): Promise<ResultSet> {
  checkIdentity(s.user);
  const accounts = accountsOf(ctx);
  const exists = async () => (await accounts.get(s.user)) !== undefined;
  if (!s.ifNotExists && (await exists())) throw alreadyExists(s.user);
  await checkDefaultRoles(ctx, s.defaultRoles ?? []);
  const passwordHash = hashOf(s.auth);
  const created = await accounts.create({ user: s.user.user, host: s.user.host, passwordHash });
  if (!created && !s.ifNotExists) throw alreadyExists(s.user);
  if (created) await grantDefaultRoles(ctx, s.user, s.defaultRoles ?? []);
  return ok();
}

export async function alterUser(ctx: ServiceContext, s: StatementOf<'AlterUser'>): Promise<ResultSet> {
  checkIdentity(s.user);
  await setPasswordOf(accountsOf(ctx), s.user, hashOf(s.auth), s.ifExists);
  return ok();
}

export async function dropUser(ctx: ServiceContext, s: StatementOf<'DropUser'>): Promise<ResultSet> {
  checkIdentity(s.user);
  const accounts = accountsOf(ctx);
  const account = await accounts.get(s.user);
  if (!account && !s.ifExists) throw cannotFind(s.user);
  if (s.user.user === ROOT_USER && s.user.host === ANY_HOST) {
    const root = identityText(s.user);
    throw semanticError(`Operation DROP USER failed for ${root} : cannot drop user ${root}`);
  }
  if (account && !(await accounts.drop(s.user)) && !s.ifExists) throw cannotFind(s.user);
  // What the user held goes with it, so a user created later under the same name starts with nothing.
  await new GrantStore(ctx.catalog.table).dropUser(s.user);
  return ok();
}

/** `SHOW USERS`: StarRocks' one column `User`, each account as `'u'@'host'`; never a password or its hash. */
export async function showUsers(ctx: ServiceContext): Promise<ResultSet> {
  const accounts = await accountsOf(ctx).list();
  return table(['User'], accounts.map((a) => [identityText(a)]));
}

/** `SET PASSWORD [FOR u] = …`: without FOR, the connected user's own (the home's owner is root). */
export async function setPassword(ctx: ServiceContext, s: StatementOf<'SetPassword'>, session: Session): Promise<ResultSet> {
  const user = s.user ?? (session.user ? { user: session.user.name, host: session.user.host } : { user: ROOT_USER, host: ANY_HOST });
  checkIdentity(user);
  await setPasswordOf(accountsOf(ctx), user, hashOf(s.auth), false);
  return ok();
}

async function setPasswordOf(accounts: AccountStore, user: UserIdentity, hash: NativeHash, ifExists: boolean): Promise<void> {
  if (!(await accounts.setPassword(user, hash)) && !ifExists) throw cannotFind(user);
}

/** The hash an auth option keeps: a clear password is hashed here, a given hash checked; none is the empty password. */
function hashOf(auth: AuthOption | undefined): NativeHash {
  const plugin = auth?.plugin;
  if (plugin !== undefined && plugin.toUpperCase() !== 'MYSQL_NATIVE_PASSWORD') {
    throw new AnalysisError(`Authentication plugin ${plugin} is not supported by starbackup: use mysql_native_password (IDENTIFIED BY 'password')`);
  }
  const password = auth?.password;
  if (!password) return '';
  return password.kind === 'plain' ? nativePasswordHash(password.value) : checkedNativeHash(password.value);
}

const alreadyExists = (user: UserIdentity) => semanticError(`user ${identityText(user)} already exists!`);
const cannotFind = (user: UserIdentity) => semanticError(`cannot find user ${identityText(user)}!`);
