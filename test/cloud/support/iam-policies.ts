/**
 * IAM's evaluation of identity policies, as far as this stack's policies need it: Allow and Deny
 * statements, Action/NotAction and Resource/NotResource with `*` and `?` wildcards, and the condition
 * operators the stack writes. An operator it does not know throws, so a policy is never judged by guess.
 */
import type { CloudTemplate, Json } from './cloud-template.ts';

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** Request context keys, e.g. `s3:prefix` or `kms:EncryptionContext:repository`; absent keys are absent. */
export type RequestContext = Record<string, string | undefined>;

/** What AWS's managed policy AWSLambdaBasicExecutionRole allows: the function's own logs. */
const MANAGED: Record<string, PolicyStatement[]> = {
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole': [
    { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
  ],
};

export class RolePolicies {
  private readonly byRole = new Map<string, PolicyStatement[]>();

  /** Statements of every role of the template: inline policies, AWS::IAM::Policy resources and the managed policies it names. */
  static fromTemplate(t: CloudTemplate): RolePolicies {
    const policies = new RolePolicies();
    for (const id of t.ofType('AWS::IAM::Role')) {
      const props = t.resolve((t.resource(id).Properties ?? {}) as Json) as Record<string, any>;
      const arn = t.getAtt(id, 'Arn');
      for (const managed of (props['ManagedPolicyArns'] ?? []) as string[]) {
        const statements = MANAGED[managed];
        if (!statements) throw new Error(`role ${id} uses managed policy ${managed}, which the harness does not model`);
        policies.add(arn, statements);
      }
      for (const p of (props['Policies'] ?? []) as { PolicyDocument: { Statement: PolicyStatement[] } }[]) policies.add(arn, p.PolicyDocument.Statement);
    }
    for (const id of t.ofType('AWS::IAM::Policy')) {
      const props = t.resolve((t.resource(id).Properties ?? {}) as Json) as Record<string, any>;
      for (const roleName of (props['Roles'] ?? []) as string[]) {
        const roleId = t.ofType('AWS::IAM::Role').find((r) => t.ref(r) === roleName);
        if (!roleId) throw new Error(`policy ${id} names role ${roleName}, which the template does not define`);
        policies.add(t.getAtt(roleId, 'Arn'), props['PolicyDocument'].Statement);
      }
    }
    return policies;
  }

  add(roleArn: string, statements: PolicyStatement[]): void {
    this.byRole.set(roleArn, [...(this.byRole.get(roleArn) ?? []), ...statements]);
  }

  has(roleArn: string): boolean {
    return this.byRole.has(roleArn);
  }

  /** IAM's rule: an explicit Deny wins, then any Allow; nothing allowed is denied. */
  allows(roleArn: string, action: string, resource: string, context: RequestContext = {}): boolean {
    const statements = this.byRole.get(roleArn) ?? [];
    const applies = (s: PolicyStatement) => matchesAction(s, action) && matchesResource(s, resource) && conditionsHold(s.Condition, context);
    if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return false;
    return statements.some((s) => s.Effect === 'Allow' && applies(s));
  }
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function matchesAction(s: PolicyStatement, action: string): boolean {
  if (s.NotAction !== undefined) return !list(s.NotAction).some((p) => wildcard(p, action, true));
  return list(s.Action).some((p) => wildcard(p, action, true));
}

function matchesResource(s: PolicyStatement, resource: string): boolean {
  if (s.NotResource !== undefined) return !list(s.NotResource).some((p) => wildcard(p, resource, false));
  return list(s.Resource).some((p) => wildcard(p, resource, false));
}

function conditionsHold(condition: PolicyStatement['Condition'], context: RequestContext): boolean {
  if (!condition) return true;
  return Object.entries(condition).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => operatorHolds(operator, context[key], list(expected))));
}

function operatorHolds(operator: string, actual: string | undefined, expected: string[]): boolean {
  const ifExists = operator.endsWith('IfExists');
  const op = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  if (op === 'Null') return expected.some((e) => (e === 'true') === (actual === undefined));
  if (actual === undefined) return ifExists || op.startsWith('StringNot') || op.startsWith('ArnNot');
  switch (op) {
    case 'StringEquals': case 'ArnEquals': return expected.includes(actual);
    case 'StringNotEquals': case 'ArnNotEquals': return !expected.includes(actual);
    case 'StringEqualsIgnoreCase': return expected.some((e) => e.toLowerCase() === actual.toLowerCase());
    case 'StringLike': case 'ArnLike': return expected.some((e) => wildcard(e, actual, false));
    case 'StringNotLike': case 'ArnNotLike': return !expected.some((e) => wildcard(e, actual, false));
    case 'Bool': return expected.includes(actual);
    default: throw new Error(`the IAM gate does not model the condition operator ${operator}`);
  }
}
