import type { Account, Authenticator } from '../ports/authenticator.ts';

/**
 * The only account until users and grants exist: `root`@`%` with an empty password, as a new StarRocks
 * cluster has it. Anyone else has no account, so the door denies them.
 */
export const rootOnlyAuthenticator: Authenticator = {
  findAccount: async (user: string): Promise<Account | undefined> =>
    user === 'root' ? { user: 'root', host: '%', password: { kind: 'empty' } } : undefined,
};
