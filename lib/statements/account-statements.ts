import { AccountStore, type Authentication } from '../access/account-store.ts';
import { GrantStore } from '../access/grant-store.ts';
import { AWS_IAM_PLUGIN, parseBindingArn } from '../access/iam-principal.ts';
import { checkedNativeHash, type NativeHash, nativePasswordHash } from '../access/password-hash.ts';
import { ANY_HOST, ROOT_USER, type UserIdentity, checkIdentity, identityText, semanticError } from '../access/user-identity.ts';
import { AnalysisError } from '../domain/errors.ts';
import type { AuthOption, StatementOf } from '../sql/ast.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { type ResultSet, ok, table } from './result-set.ts';
import { checkDefaultRoles, grantDefaultRoles } from './role-statements.ts';
import { checkRootOnlyRoles } from './grant-statements.ts';
import type { Session } from './session.ts';

/**
 * CREATE/ALTER/DROP USER, SHOW USERS and SET PASSWORD, with StarRocks' checks in its order and its messages
 * (fe-core sql/analyzer/AuthenticationAnalyzer, UserAuthOptionAnalyzer). Accounts live in the catalog
 * (lib/access/account-store.ts) as mysql_native_password hashes only. Until privileges exist, any
 * connected user may run them.
 */
const accountsOf = (ctx: ServiceContext) => new AccountStore(ctx.catalog.table);

export async function createUser(ctx: ServiceContext, s: StatementOf<'CreateUser'>, session: Session): Promise<ResultSet> {
  checkIdentity(s.user);
  const accounts = accountsOf(ctx);
  const exists = async () => (await accounts.get(s.user)) !== undefined;
  if (!s.ifNotExists && (await exists())) throw alreadyExists(s.user);
  await checkDefaultRoles(ctx, s.defaultRoles ?? []);
  checkRootOnlyRoles(session, s.defaultRoles ?? []);
  const auth = authenticationOf(s.auth);
  // IF NOT EXISTS on an existing user changes nothing, so it binds nothing either.
  if (!s.ifNotExists || !(await exists())) await checkUnbound(accounts, auth, s.user);
  const created = await accounts.create({ user: s.user.user, host: s.user.host, ...auth });
  if (!created && !s.ifNotExists) throw alreadyExists(s.user);
  if (created) await grantDefaultRoles(ctx, s.user, s.defaultRoles ?? []);
  return ok();
}

/** `ALTER USER … IDENTIFIED …` replaces how the account authenticates: a password ends an IAM binding, and the reverse. */
export async function alterUser(ctx: ServiceContext, s: StatementOf<'AlterUser'>): Promise<ResultSet> {
  checkIdentity(s.user);
  const accounts = accountsOf(ctx);
  const auth = authenticationOf(s.auth);
  await checkUnbound(accounts, auth, s.user);
  if (!(await accounts.setAuthentication(s.user, auth)) && !s.ifExists) throw cannotFind(s.user);
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
  const accounts = accountsOf(ctx);
  const hash = hashOf(s.auth);
  // A password would open a door the IAM binding keeps shut; ALTER USER says so explicitly.
  if ((await accounts.get(user))?.iamPrincipal !== undefined) {
    throw semanticError(`user ${identityText(user)} authenticates with aws_iam and has no password; ALTER USER ${identityText(user)} IDENTIFIED BY '…' gives it one instead`);
  }
  if (!(await accounts.setPassword(user, hash))) throw cannotFind(user);
  return ok();
}

/** An auth option as the account keeps it: a password hash, or (aws_iam) the IAM principal and no password. */
function authenticationOf(auth: AuthOption | undefined): Authentication {
  if (auth?.plugin?.toUpperCase() !== AWS_IAM_PLUGIN) return { passwordHash: hashOf(auth) };
  const arn = auth.password;
  if (arn?.kind !== 'hash') throw semanticError("aws_iam takes the principal's ARN: IDENTIFIED WITH aws_iam AS 'arn:aws:iam::<account>:role/<name>'");
  parseBindingArn(arn.value);
  return { passwordHash: '', iamPrincipal: arn.value };
}

/** One IAM principal maps to at most one user: a second binding is refused, naming the first. */
async function checkUnbound(accounts: AccountStore, auth: Authentication, user: UserIdentity): Promise<void> {
  if (auth.iamPrincipal === undefined) return;
  const other = (await accounts.boundTo(parseBindingArn(auth.iamPrincipal))).find((a) => a.user !== user.user || a.host !== user.host);
  if (other) {
    throw semanticError(`IAM principal ${auth.iamPrincipal} is already bound to user ${identityText(other)}; `
      + `an IAM principal maps to one user: DROP USER ${identityText(other)} or ALTER USER ${identityText(other)} IDENTIFIED BY '…' first`);
  }
}

/** The hash an auth option keeps: a clear password is hashed here, a given hash checked; none is the empty password. */
function hashOf(auth: AuthOption | undefined): NativeHash {
  const plugin = auth?.plugin;
  if (plugin !== undefined && plugin.toUpperCase() !== 'MYSQL_NATIVE_PASSWORD') {
    throw new AnalysisError(`Authentication plugin ${plugin} is not supported by starbackup: use mysql_native_password (IDENTIFIED BY 'password') or aws_iam (IDENTIFIED WITH aws_iam AS '<IAM user or role ARN>')`);
  }
  const password = auth?.password;
  if (!password) return '';
  return password.kind === 'plain' ? nativePasswordHash(password.value) : checkedNativeHash(password.value);
}

const alreadyExists = (user: UserIdentity) => semanticError(`user ${identityText(user)} already exists!`);
const cannotFind = (user: UserIdentity) => semanticError(`cannot find user ${identityText(user)}!`);
