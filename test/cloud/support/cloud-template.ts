/**
 * The synthesized template as a deployment would see it: every resource gets the physical name and ARN
 * CloudFormation would give it in one fake account and region, and every intrinsic the stack uses is
 * resolved against those. An intrinsic the resolver does not know fails the run: guessing would let a
 * broken reference pass.
 */
import { randomUUID } from 'node:crypto';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
  Metadata?: Record<string, Json>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

export const ACCOUNT = '123456789012';
/** Not us-east-1 on purpose: a client that forgets the stack's region signs for the wrong one. */
export const REGION = 'eu-west-3';

export class CloudTemplate {
  readonly stackName: string;
  readonly stackId: string;
  /** Physical ids decided elsewhere (a key the KMS stand-in made): logical id → Ref and Arn. */
  private readonly bound = new Map<string, { ref: string; arn: string }>();

  constructor(readonly template: CfnTemplate, stackName: string) {
    this.stackName = stackName;
    this.stackId = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stackName}/${randomUUID()}`;
  }

  resource(logicalId: string): CfnResource {
    const r = this.template.Resources[logicalId];
    if (!r) throw new Error(`the template has no resource ${logicalId}`);
    return r;
  }

  /** Logical ids of the resources of one type, in template order. */
  ofType(type: string): string[] {
    return Object.entries(this.template.Resources).filter(([, r]) => r.Type === type).map(([id]) => id);
  }

  bind(logicalId: string, physical: { ref: string; arn: string }): void {
    this.bound.set(logicalId, physical);
  }

  /** What `Ref` gives for a resource. */
  ref(logicalId: string): string {
    const bound = this.bound.get(logicalId);
    if (bound) return bound.ref;
    const type = this.resource(logicalId).Type;
    switch (type) {
      case 'AWS::DynamoDB::Table': return `${this.stackName}-${logicalId}`;
      case 'AWS::S3::Bucket': return bucketName(this.stackName, logicalId);
      case 'AWS::Lambda::Function': return `${this.stackName}-${logicalId}`.slice(0, 64);
      case 'AWS::StepFunctions::StateMachine': return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${logicalId}`;
      case 'AWS::SQS::Queue': return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${this.stackName}-${logicalId}`;
      case 'AWS::IAM::Role': return `${this.stackName}-${logicalId}`.slice(0, 64);
      default: return logicalId;
    }
  }

  /** What `Fn::GetAtt [id, attribute]` gives. */
  getAtt(logicalId: string, attribute: string): string {
    const type = this.resource(logicalId).Type;
    const name = this.ref(logicalId);
    const bound = this.bound.get(logicalId);
    if (bound && attribute === 'Arn') return bound.arn;
    const arns: Record<string, string> = {
      'AWS::DynamoDB::Table': `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`,
      'AWS::S3::Bucket': `arn:aws:s3:::${name}`,
      'AWS::KMS::Key': `arn:aws:kms:${REGION}:${ACCOUNT}:key/${name}`,
      'AWS::Lambda::Function': `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
      'AWS::StepFunctions::StateMachine': name,
      'AWS::SQS::Queue': `arn:aws:sqs:${REGION}:${ACCOUNT}:${this.stackName}-${logicalId}`,
      'AWS::IAM::Role': `arn:aws:iam::${ACCOUNT}:role/${name}`,
      'AWS::Logs::LogGroup': `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`,
    };
    if (attribute === 'Arn' && arns[type]) return arns[type];
    if (attribute === 'QueueName' && type === 'AWS::SQS::Queue') return `${this.stackName}-${logicalId}`;
    if (attribute === 'Name' && type === 'AWS::StepFunctions::StateMachine') return logicalId;
    if (attribute === 'ApiEndpoint') return `https://${logicalId.toLowerCase()}.execute-api.${REGION}.amazonaws.com`;
    throw new Error(`cannot resolve Fn::GetAtt ${logicalId}.${attribute} (${type})`);
  }

  /** The value with every intrinsic replaced by what CloudFormation would put there. */
  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    const intrinsic = keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::')) ? keys[0]! : undefined;
    if (!intrinsic) return Object.fromEntries(keys.map((k) => [k, this.resolve(value[k]!)]));
    const arg = value[intrinsic]!;
    if (intrinsic === 'Ref' && typeof arg === 'string') return this.pseudo(arg) ?? this.ref(arg);
    if (intrinsic === 'Fn::GetAtt' && Array.isArray(arg) && typeof arg[0] === 'string' && typeof arg[1] === 'string') return this.getAtt(arg[0], arg[1]);
    if (intrinsic === 'Fn::Sub' && typeof arg === 'string') {
      return arg.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        const [id, att] = name.split('.');
        return att ? this.getAtt(id!, att) : this.pseudo(id!) ?? this.ref(id!);
      });
    }
    const args = this.resolve(arg);
    if (intrinsic === 'Fn::Join' && Array.isArray(args) && typeof args[0] === 'string' && Array.isArray(args[1])) return args[1].map((p) => str(p, intrinsic)).join(args[0]);
    if (intrinsic === 'Fn::Split' && Array.isArray(args) && typeof args[0] === 'string') return str(args[1]!, intrinsic).split(args[0]);
    if (intrinsic === 'Fn::Select' && Array.isArray(args) && Array.isArray(args[1])) {
      const picked = args[1][Number(args[0])];
      if (picked === undefined) throw new Error(`Fn::Select index ${String(args[0])} is out of range`);
      return picked;
    }
    throw new Error(`cannot resolve ${intrinsic} ${JSON.stringify(arg)}`);
  }

  resolveString(value: Json): string {
    return str(this.resolve(value), 'value');
  }

  private pseudo(name: string): string | undefined {
    const values: Record<string, string> = {
      'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackId': this.stackId, 'AWS::StackName': this.stackName,
    };
    return values[name];
  }
}

function bucketName(stack: string, logicalId: string): string {
  return `${stack}-${logicalId}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63).replace(/-+$/, '');
}

function str(value: Json, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}
