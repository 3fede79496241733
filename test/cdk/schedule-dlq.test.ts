import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StarbackupStack } from '../../cdk/starbackup-stack.ts';
import { type Resource, SYNTH_TIMEOUT_MS, synthStack } from './synth-stack.ts';

let stack: StarbackupStack;
let template: Template;
beforeAll(() => {
  ({ stack, template } = synthStack());
}, SYNTH_TIMEOUT_MS);

const resources = (type: string) => Object.entries(template.findResources(type) as Record<string, Resource>);
const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
const queueArn = () => ({ 'Fn::GetAtt': [id(stack.scheduleFailures.queue), 'Arn'] });
/** The schedules and the functions they invoke: every backup schedule of the context, and the recovery sweep. */
const scheduled = () => [
  ...resources('AWS::Scheduler::Schedule').filter(([, s]) => s.Properties['Target']['Arn']['Fn::GetAtt'][0] === id(stack.scheduledBackup)),
  ...resources('AWS::Scheduler::Schedule').filter(([, s]) => s.Properties['Target']['Arn']['Fn::GetAtt'][0] === id(stack.recovery.handler)),
];
/** Every statement of the policies attached to a role, by the role's logical id. */
const statementsOf = (role: string) => resources('AWS::IAM::Policy')
  .filter(([, p]) => p.Properties['Roles'].some((r: { Ref: string }) => r.Ref === role))
  .flatMap(([, p]) => p.Properties['PolicyDocument']['Statement'] as { Action: string | string[]; Resource: unknown }[]);

describe('the schedules\' dead-letter queue', () => {
  it('is one queue, encrypted with SQS-managed keys, SSL-only, keeping messages 14 days', () => {
    const queues = resources('AWS::SQS::Queue');
    expect(queues).toHaveLength(1);
    expect(queues[0]![1].Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    const [[, policy]] = resources('AWS::SQS::QueuePolicy') as [[string, Resource]];
    expect(policy.Properties['Queues']).toEqual([{ Ref: id(stack.scheduleFailures.queue) }]);
    expect(policy.Properties['PolicyDocument']['Statement']).toEqual([{
      Action: 'sqs:*', Effect: 'Deny', Principal: { AWS: '*' }, Resource: queueArn(),
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    }]);
  });

  it('is the dead-letter queue of every schedule, whose role may send to it and do nothing else new', () => {
    const schedules = scheduled();
    expect(schedules).toHaveLength(2);
    for (const [, schedule] of schedules) {
      const target = schedule.Properties['Target'];
      expect(target.DeadLetterConfig).toEqual({ Arn: queueArn() });
      expect(statementsOf(target.RoleArn['Fn::GetAtt'][0])).toEqual([
        { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [target.Arn['Fn::GetAtt'][0], 'Arn'] } },
        { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: queueArn() },
      ]);
    }
  });

  it('takes the scheduled functions\' own failures after two retries within the hour', () => {
    const configs = resources('AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(2);
    for (const fn of [stack.scheduledBackup, stack.recovery.handler]) {
      const [, config] = configs.find(([, c]) => c.Properties['FunctionName'].Ref === id(fn))!;
      expect(config.Properties).toEqual({
        FunctionName: { Ref: id(fn) }, Qualifier: '$LATEST', MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: queueArn() } },
      });
      // Lambda checks the destination permission when the config is created: the function, which the config
      // refers to, is created after the policy that grants it.
      const policy = resources('AWS::IAM::Policy').find(([, p]) => p.Properties['Roles'][0].Ref === id(fn.role!))![0];
      expect(template.toJSON().Resources[id(fn)].DependsOn).toContain(policy);
    }
  });

  it('is sent to by those two functions only, and only with sqs:SendMessage', () => {
    const arn = JSON.stringify(queueArn());
    const onQueue = resources('AWS::IAM::Policy').flatMap(([, p]) => (p.Properties['PolicyDocument']['Statement'] as { Action: unknown; Resource: unknown }[])
      .filter((s) => JSON.stringify(s.Resource).includes(arn))
      .map((s) => ({ roles: p.Properties['Roles'].map((r: { Ref: string }) => r.Ref), action: s.Action })));
    const functionRoles = [id(stack.scheduledBackup.role!), id(stack.recovery.handler.role!)];
    const scheduleRoles = scheduled().map(([, s]) => s.Properties['Target'].RoleArn['Fn::GetAtt'][0]);
    expect(onQueue.flatMap((s) => s.roles).sort()).toEqual([...functionRoles, ...scheduleRoles].sort());
    expect(new Set(onQueue.map((s) => s.action))).toEqual(new Set(['sqs:SendMessage']));
  });

  it('raises an alarm as soon as a message is visible, and names the queue and the alarm in the outputs', () => {
    const [[alarmId, alarm]] = resources('AWS::CloudWatch::Alarm') as [[string, Resource]];
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Statistic: 'Maximum', Period: 300,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(stack.scheduleFailures.queue), 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold', Threshold: 0, EvaluationPeriods: 1, TreatMissingData: 'notBreaching',
    });
    const outputs = template.toJSON().Outputs;
    expect(outputs.ScheduleDeadLetterQueueUrl.Value).toEqual({ Ref: id(stack.scheduleFailures.queue) });
    expect(outputs.ScheduleDeadLetterAlarmName.Value).toEqual({ Ref: alarmId });
  });

  it('is cdk-nag clean, its one acknowledgement being that it is a dead-letter queue (SQS3 fires without it)', () => {
    const report = new AwsSolutionsChecks().validateScope(stack.scheduleFailures);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
    expect(report.success).toBe(true);
    const acks = stack.scheduleFailures.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.keys(m.data as Record<string, string>));
    // Validations records an acknowledgement under both the rule and its annotation form.
    expect(new Set(acks.map((a) => a.replace(/^Annotation::/, '')))).toEqual(new Set(['AwsSolutions-SQS3']));
  });
});
