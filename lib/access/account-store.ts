import { ConditionFailedError } from '../domain/errors.ts';
import type { RecordKey, RecordTable } from '../ports/record-table.ts';
import { type IamPrincipal, bindsPrincipal } from './iam-principal.ts';
import type { NativeHash } from './password-hash.ts';
import { ANY_HOST, ROOT_USER, type UserIdentity, compareForLogin, hostMatches } from './user-identity.ts';

/** One account as the catalog keeps it: never a clear password, only its mysql_native_password hash. */
export interface AccountRecord extends UserIdentity {
  /** `*` + 40 upper hex digits (SHA1(SHA1(password))), or '' for no password. */
  passwordHash: NativeHash;
  /**
   * The IAM user or role ARN of `IDENTIFIED WITH aws_iam AS '<arn>'`: such an account authenticates only by
   * IAM (the cloud API), never with a password, and its passwordHash is ''.
   */
  iamPrincipal?: string;
}

/** How an account authenticates: a password hash, or an IAM principal (then no password). */
export type Authentication = { passwordHash: NativeHash; iamPrincipal?: string };

/** `'root'@'%'` with an empty password, as a new StarRocks cluster has it, until ALTER USER gives it one. */
export const IMPLICIT_ROOT: Readonly<AccountRecord> = { user: ROOT_USER, host: ANY_HOST, passwordHash: '' };

const USERS = 'USERS';
// A user name cannot hold '@' (FeNameFormat), so the first '@' of the sort key splits it again.
const accountKey = (id: UserIdentity): RecordKey => ({ pk: USERS, sk: `${id.user}@${id.host}` });

const isRoot = (id: UserIdentity) => id.user === ROOT_USER && id.host === ANY_HOST;

/**
 * The accounts of the cluster, in the catalog's table under one partition key (SHOW USERS and a login are
 * one query). root is implicit: it has a record only once its password was set.
 */
export class AccountStore {
  constructor(private readonly table: RecordTable) {}

  /** Every account, root included, in the order a login tries them. */
  async list(): Promise<AccountRecord[]> {
    const stored = (await this.table.query<AccountRecord>(USERS)).map((r) => r.doc);
    const all = stored.some(isRoot) ? stored : [...stored, { ...IMPLICIT_ROOT }];
    return all.sort(compareForLogin);
  }

  async get(id: UserIdentity): Promise<AccountRecord | undefined> {
    const stored = (await this.table.get<AccountRecord>(accountKey(id)))?.doc;
    return stored ?? (isRoot(id) ? { ...IMPLICIT_ROOT } : undefined);
  }

  /** Returns false when the account already existed (root always does). */
  async create(account: AccountRecord): Promise<boolean> {
    if (isRoot(account)) return false;
    try {
      await this.table.put(accountKey(account), { ...account }, { condition: { kind: 'absent' } });
      return true;
    } catch (e) {
      if (e instanceof ConditionFailedError) return false;
      throw e;
    }
  }

  /** Sets the password of an existing account (and ends an IAM binding); false when there is none. */
  async setPassword(id: UserIdentity, passwordHash: NativeHash): Promise<boolean> {
    return this.setAuthentication(id, { passwordHash });
  }

  /** Replaces how an existing account authenticates; false when there is none. */
  async setAuthentication(id: UserIdentity, auth: Authentication): Promise<boolean> {
    let found = false;
    await this.table.update<AccountRecord>(accountKey(id), (doc) => {
      found = doc !== undefined || isRoot(id);
      if (!found) return undefined;
      const { iamPrincipal: _previous, ...rest } = doc ?? {};
      return { ...rest, user: id.user, host: id.host, passwordHash: auth.passwordHash, ...(auth.iamPrincipal ? { iamPrincipal: auth.iamPrincipal } : {}) };
    });
    return found;
  }

  /** Returns false when there was no such account (root's implicit record is never dropped here). */
  async drop(id: UserIdentity): Promise<boolean> {
    if (!(await this.table.get(accountKey(id)))) return false;
    await this.table.delete(accountKey(id));
    return true;
  }

  /**
   * The account a password login of `user` from `clientHost` reaches: the first match in login order, unless
   * that account authenticates by IAM (then none: its empty hash must never let an empty password in).
   */
  async match(user: string, clientHost: string): Promise<AccountRecord | undefined> {
    const found = (await this.list()).find((a) => a.user === user && hostMatches(a.host, clientHost));
    return found?.iamPrincipal === undefined ? found : undefined;
  }

  /** The accounts bound to an IAM principal: one, or none (more only if two bindings raced; callers refuse that). */
  async boundTo(principal: IamPrincipal): Promise<AccountRecord[]> {
    return (await this.list()).filter((a) => bindsPrincipal(a.iamPrincipal, principal));
  }
}
