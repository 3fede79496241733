import { describe, expect, it } from 'vitest';
import { bindsPrincipal, callerPrincipal, parseBindingArn, principalArn } from '../../lib/access/iam-principal.ts';

/**
 * IAM ARNs as IAM writes them (IAM User Guide, "IAM identifiers": arn:partition:iam::account:user/path/name,
 * role/path/name; STS assumed-role sessions arn:partition:sts::account:assumed-role/role-name/session-name,
 * which carry no path).
 */
const analyzing = (detail: string) => `Getting analyzing error. Detail message: ${detail}.`;

describe('the ARN a binding names', () => {
  it('takes IAM users and roles of the three partitions, with or without a path', () => {
    expect(parseBindingArn('arn:aws:iam::123456789012:role/Ops')).toEqual({ partition: 'aws', account: '123456789012', kind: 'role', name: 'Ops' });
    expect(parseBindingArn('arn:aws-cn:iam::123456789012:user/dba')).toMatchObject({ partition: 'aws-cn', kind: 'user', name: 'dba' });
    expect(parseBindingArn('arn:aws-us-gov:iam::123456789012:role/team/backup/Ops')).toMatchObject({ partition: 'aws-us-gov', name: 'Ops' });
    expect(parseBindingArn('arn:aws:iam::123456789012:user/first.last+ops@example.com')).toMatchObject({ name: 'first.last+ops@example.com' });
  });

  it('refuses wildcards, sessions and anything else with a message naming the ARN', () => {
    expect(() => parseBindingArn('arn:aws:iam::123456789012:role/*')).toThrow(
      analyzing("IAM principal ARN 'arn:aws:iam::123456789012:role/*' has a wildcard: a binding names exactly one IAM user or role"));
    expect(() => parseBindingArn('arn:aws:iam::12345678901?:user/dba')).toThrow('has a wildcard');
    expect(() => parseBindingArn('arn:aws:sts::123456789012:assumed-role/Ops/alice')).toThrow(
      analyzing("IAM principal ARN 'arn:aws:sts::123456789012:assumed-role/Ops/alice' is a role session: bind the role itself, arn:aws:iam::123456789012:role/Ops"));
    const expected = 'expected arn:<aws|aws-cn|aws-us-gov>:iam::<12-digit account>:user/<name> or …:role/<name> (an optional /path/ before the name)';
    for (const bad of [
      'arn:aws:iam::123456789012:root', 'arn:aws:iam::12345678901:role/Ops', 'arn:aws-eu:iam::123456789012:role/Ops',
      'arn:aws:iam::123456789012:group/admins', 'arn:aws:iam::123456789012:role/', 'arn:aws:iam::123456789012:role/a b',
      'arn:aws:sts::123456789012:federated-user/bob', `arn:aws:iam::123456789012:role/${'x'.repeat(65)}`, ' arn:aws:iam::123456789012:role/Ops',
    ]) {
      expect(() => parseBindingArn(bad), bad).toThrow(analyzing(`invalid IAM principal ARN '${bad}': ${expected}`));
    }
    expect(() => parseBindingArn(`arn:aws:iam::123456789012:role/${'p/'.repeat(900)}Ops`)).toThrow('longer than 1600 characters');
  });
});

describe('the principal a caller is', () => {
  it('is an IAM user as itself, and a role session as its role', () => {
    expect(callerPrincipal('arn:aws:iam::123456789012:user/dba')).toEqual({ partition: 'aws', account: '123456789012', kind: 'user', name: 'dba' });
    expect(callerPrincipal('arn:aws:sts::123456789012:assumed-role/Ops/alice@example.com')).toEqual({ partition: 'aws', account: '123456789012', kind: 'role', name: 'Ops' });
    expect(callerPrincipal('arn:aws-cn:sts::123456789012:assumed-role/Ops/i-0abc')).toMatchObject({ partition: 'aws-cn', kind: 'role', name: 'Ops' });
  });

  it('is nobody for the account root, a federated user or a wildcard', () => {
    for (const arn of ['arn:aws:iam::123456789012:root', 'arn:aws:sts::123456789012:federated-user/bob', 'arn:aws:iam::123456789012:role/*', 'anonymous']) {
      expect(callerPrincipal(arn), arn).toBeUndefined();
    }
  });

  it('matches a binding on partition, account, kind and name: a role session matches its role bound with a path', () => {
    const session = callerPrincipal('arn:aws:sts::123456789012:assumed-role/Ops/alice')!;
    expect(principalArn(session)).toBe('arn:aws:iam::123456789012:role/Ops');
    expect(bindsPrincipal('arn:aws:iam::123456789012:role/team/Ops', session)).toBe(true);
    expect(bindsPrincipal('arn:aws:iam::123456789012:role/Ops', session)).toBe(true);
    expect(bindsPrincipal('arn:aws:iam::123456789012:user/Ops', session)).toBe(false);
    expect(bindsPrincipal('arn:aws:iam::210987654321:role/Ops', session)).toBe(false);
    expect(bindsPrincipal('arn:aws-cn:iam::123456789012:role/Ops', session)).toBe(false);
    expect(bindsPrincipal('arn:aws:iam::123456789012:role/ops', session)).toBe(false);
    expect(bindsPrincipal(undefined, session)).toBe(false);
  });
});
