/**
 * Who may connect through the MySQL door, and what proves it. The door asks for the account a user
 * name and client host match, then verifies the client's mysql_native_password answer against what the
 * account keeps: never a password, only SHA1(SHA1(password)) as mysql.user keeps it, or "empty".
 */

/** What mysql_native_password verification needs of an account. */
export type PasswordCheck =
  /** No password: only an empty answer passes (a new StarRocks cluster's root). */
  | { kind: 'empty' }
  /** SHA1(SHA1(password)), 20 bytes. */
  | { kind: 'native'; doubleSha1: Uint8Array };

export interface Account {
  user: string;
  /** The host pattern the account was matched by, as StarRocks shows the user: `'root'@'%'`. */
  host: string;
  password: PasswordCheck;
}

export interface Authenticator {
  /** The account `user` connecting from `clientHost` (an IP address) logs in as; undefined when there is none. */
  findAccount(user: string, clientHost: string): Promise<Account | undefined>;
}
