/**
 * The HTTP API: `POST /v1/sql` with IAM (SigV4) authorization, served by functions/api.ts, which runs
 * statements with the same executeStatement as the CLI and starts executions for BACKUP and RESTORE.
 */
import { CfnOutput, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { DataStores } from './data-stores.ts';
import { API_ACCESS, grantAccess } from './function-access.ts';
import type { RepositoryTargets } from './repository-access.ts';
import { StarbackupFunction } from './starbackup-function.ts';

export interface SqlApiProps {
  stores: DataStores;
  environment: Record<string, string>;
  backup: sfn.IStateMachine;
  restore: sfn.IStateMachine;
  repositories: RepositoryTargets;
  removalPolicy: RemovalPolicy;
  /** Principals whose calls run as root (`starbackup:rootPrincipalArns`); every other caller needs a bound user. */
  rootPrincipalArns: string[];
}

export class SqlApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly handler: StarbackupFunction;

  constructor(scope: Construct, id: string, props: SqlApiProps) {
    super(scope, id);
    this.handler = new StarbackupFunction(this, 'Handler', {
      entry: 'api',
      size: 'api',
      description: 'POST /v1/sql: runs statements; BACKUP and RESTORE start executions',
      environment: {
        ...props.environment,
        BACKUP_STATE_MACHINE_ARN: props.backup.stateMachineArn,
        RESTORE_STATE_MACHINE_ARN: props.restore.stateMachineArn,
        // lib/api/iam-caller.ts ROOT_PRINCIPALS_ENV
        ROOT_PRINCIPAL_ARNS: JSON.stringify(props.rootPrincipalArns),
      },
      removalPolicy: props.removalPolicy,
    });
    grantAccess(this.handler, props.stores, props.repositories, API_ACCESS);
    props.backup.grantStartExecution(this.handler);
    props.restore.grantStartExecution(this.handler);

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicy,
    });
    this.api = new apigw.HttpApi(this, 'HttpApi', {
      apiName: `${Stack.of(this).stackName}-sql`,
      description: 'starbackup: StarRocks BACKUP/RESTORE SQL over HTTP',
      createDefaultStage: false,
    });
    this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 20, burstLimit: 40 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        // Who called and how it went; never the body, which may hold repository credentials.
        format: AccessLogFormat.custom(JSON.stringify({
          requestId: '$context.requestId',
          caller: '$context.identity.userArn',
          sourceIp: '$context.identity.sourceIp',
          routeKey: '$context.routeKey',
          status: '$context.status',
          latencyMs: '$context.responseLatency',
          integrationError: '$context.integrationErrorMessage',
        })),
      },
    });
    this.api.addRoutes({
      path: '/v1/sql',
      methods: [apigw.HttpMethod.POST],
      integration: new HttpLambdaIntegration('Sql', this.handler, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 }),
      authorizer: new HttpIamAuthorizer(),
    });
    new CfnOutput(this, 'SqlUrl', { value: `${this.api.apiEndpoint}/v1/sql`, description: 'POST {"sql": "…"} here, signed with SigV4 (service execute-api)' });
  }
}
