import { describe, expect, it } from 'vitest';
import { checkedNativeHash, nativePasswordHash, passwordCheckOf } from '../../lib/access/password-hash.ts';
import { compareForLogin, hostMatches } from '../../lib/access/user-identity.ts';

/**
 * Host patterns as StarRocks matches them (common/PatternMatcher.createMysqlPattern: MySQL's LIKE, `%` any
 * run, `_` one character, case-insensitive) and the mysql_native_password hash (mysql/MysqlPassword).
 */
describe('host patterns', () => {
  it('takes % and _ as wildcards and everything else literally', () => {
    expect(hostMatches('%', '10.1.2.3')).toBe(true);
    expect(hostMatches('192.168.%', '192.168.7.1')).toBe(true);
    expect(hostMatches('192.168.%', '10.192.168.1')).toBe(false);
    expect(hostMatches('10.0.0._', '10.0.0.7')).toBe(true);
    expect(hostMatches('10.0.0._', '10.0.0.70')).toBe(false);
    expect(hostMatches('10.0.0.7', '10a0b0c7')).toBe(false);
    expect(hostMatches('10.0.0.7', '10.0.0.70')).toBe(false);
  });

  it('tries an exact host, then a pattern, then %', () => {
    const ids = [{ user: 'u', host: '%' }, { user: 'u', host: '192.168.%' }, { user: 'u', host: '192.168.1.5' }];
    expect([...ids].sort(compareForLogin).map((i) => i.host)).toEqual(['192.168.1.5', '192.168.%', '%']);
  });
});

describe('mysql_native_password hashes', () => {
  it("hashes as MySQL's PASSWORD() did, and checks a given hash", () => {
    // MySQL 5.7: SELECT PASSWORD('123456') = '*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9'.
    expect(nativePasswordHash('123456')).toBe('*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9');
    expect(nativePasswordHash('')).toBe('');
    expect(checkedNativeHash('*6bb4837eb74329105ee4568dda7dc67ed2ca2ad9')).toBe('*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9');
    expect(() => checkedNativeHash('6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9')).toThrow('Password hash should be a 41-digit hexadecimal number');
    expect(passwordCheckOf('')).toEqual({ kind: 'empty' });
    expect(passwordCheckOf('*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9')).toMatchObject({ kind: 'native' });
  });
});
