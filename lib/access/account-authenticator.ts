import type { Account, Authenticator } from '../ports/authenticator.ts';
import type { AccountStore } from './account-store.ts';
import { passwordCheckOf } from './password-hash.ts';

/**
 * The MySQL door's accounts from the catalog: the account a user name and client address match first
 * (AccountStore.match), checked against its mysql_native_password hash. root has an empty password until
 * `ALTER USER root IDENTIFIED BY …` gives it one.
 */
export function accountAuthenticator(accounts: AccountStore): Authenticator {
  return {
    findAccount: async (user: string, clientHost: string): Promise<Account | undefined> => {
      const found = await accounts.match(user, clientHost);
      return found && { user: found.user, host: found.host, password: passwordCheckOf(found.passwordHash) };
    },
  };
}
