import { readFileSync } from 'node:fs';
import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnGlobalTable } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnArchive, CfnEventBus } from 'aws-cdk-lib/aws-events';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { CfnQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionManifest, functionNames, tableAccessOf } from '../../../functions/manifest';
import { type FunctionName, routes } from '../../../functions/routes';
import { composeApp } from '../../../infra/app';
import { defaultAppContext, readAppContext } from '../../../infra/app-context';
import { HealthCheck } from '../../../infra/constructs/health-check';
import { SUBSCRIPTION_RULE_ACTIONS } from '../../../infra/constructs/subscription-rules';
import { type ApiStack, MAX_BODY_BYTES } from '../../../infra/stacks/api-stack';
import { DELIVERY_MAX_RECEIVE_COUNT, StatefulStack } from '../../../infra/stacks/stateful-stack';
import {
  contractsTable,
  deliveryTable,
  errorsTable,
  eventsTable,
  meshTable,
  rateLimitsTable,
  tableDefinitions,
} from '../../../shared/adapters/dynamodb/table-definitions';
import { type CfnResource, methodsOf, resourcePaths } from '../../support/api-gateway';

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/** The app as `cdk synth` composes it (infra/app.ts), with cdk.json's context so feature flags match. */
function buildApp(extraContext: Record<string, unknown> = {}) {
  const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return composeApp(new App({ context: { ...context, ...extraContext } }));
}

describe('ApiStack', () => {
  let app: App;
  let stateful: StatefulStack;
  let api: ApiStack;
  let apiTemplate: Template;
  let statefulTemplate: Template;
  let functionLogicalIds: Record<FunctionName, string>;

  beforeAll(() => {
    ({ app, stateful, api } = buildApp({ stage: 'test' }));
    apiTemplate = Template.fromStack(api);
    statefulTemplate = Template.fromStack(stateful);
    functionLogicalIds = {
      contracts: api.getLogicalId(api.functions.contracts.function.node.defaultChild as CfnFunction),
      errors: api.getLogicalId(api.functions.errors.function.node.defaultChild as CfnFunction),
      events: api.getLogicalId(api.functions.events.function.node.defaultChild as CfnFunction),
      mesh: api.getLogicalId(api.functions.mesh.function.node.defaultChild as CfnFunction),
      system: api.getLogicalId(api.functions.system.function.node.defaultChild as CfnFunction),
    };
  });

  /** The statements of the IAM policy attached to a function's role. */
  const statementsOfFunction = (functionLogicalId: string): Statement[] => {
    const role = apiTemplate.toJSON().Resources[functionLogicalId].Properties.Role['Fn::GetAtt'][0];
    const policy = Object.values(apiTemplate.findResources('AWS::IAM::Policy')).find((p) =>
      JSON.stringify((p as CfnResource).Properties.Roles).includes(role),
    ) as CfnResource;
    return (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
  };
  const dispatcherLogicalId = () => api.getLogicalId(api.dispatcher.function.function.node.defaultChild as CfnFunction);
  const healthCheckLogicalId = () =>
    api.getLogicalId(api.healthCheck.function.function.node.defaultChild as CfnFunction);
  /** `{ 'Fn::ImportValue': … }` of a stateful stack value the API stack uses. */
  const imported = (value: unknown) => ({ 'Fn::ImportValue': exportNamed(statefulTemplate, value) });
  const logicalIdOf = (construct: { node: { defaultChild?: unknown } }) =>
    stateful.getLogicalId(construct.node.defaultChild as CfnQueue);
  const queueArn = (queue: Queue) => imported({ 'Fn::GetAtt': [logicalIdOf(queue), 'Arn'] });
  const queueUrl = (queue: Queue) => imported({ Ref: logicalIdOf(queue) });
  const queueName = (queue: Queue) => imported({ 'Fn::GetAtt': [logicalIdOf(queue), 'QueueName'] });

  describe('cdk-nag', () => {
    it('reports no unacknowledged AwsSolutions findings', () => {
      // Prepare / Act
      const { violations } = new AwsSolutionsChecks().validateScope(app);

      // Assess
      const findings = violations.map((v) => ({
        rule: v.ruleName,
        severity: v.severity,
        resources: v.violatingResources.map((r) => r.constructPath),
      }));
      expect(findings, JSON.stringify(findings, null, 2)).toEqual([]);
    });
  });

  describe('routes', () => {
    it.each(routes.map((route) => [route.method, route.path, route.function] as const))(
      'routes %s %s to the %s function through a Lambda proxy integration',
      (method, path, fn) => {
        const methods = methodsOf(apiTemplate);

        const match = methods.filter((m) => m.path === path && m.httpMethod === method);

        expect(match).toHaveLength(1);
        expect(match[0]).toMatchObject({ integrationType: 'AWS_PROXY', functionLogicalId: functionLogicalIds[fn] });
      },
    );

    it('sends ANY on every other resource, on / and on /{proxy+} to the system function', () => {
      // Prepare
      const anyRoutePaths = new Set<string>(routes.filter((r) => r.method === 'ANY').map((r) => r.path));

      // Act
      const anyMethods = methodsOf(apiTemplate).filter((m) => m.httpMethod === 'ANY');
      const allPaths = ['/', ...resourcePaths(apiTemplate.toJSON().Resources).values()];

      // Assess
      expect(new Set(anyMethods.map((m) => m.path))).toEqual(new Set(allPaths));
      expect(allPaths).toContain('/{proxy+}');
      for (const m of anyMethods.filter((m) => !anyRoutePaths.has(m.path))) {
        expect(m).toMatchObject({ integrationType: 'AWS_PROXY', functionLogicalId: functionLogicalIds.system });
      }
    });

    it('declares one ANY per resource: a route-table ANY gets no fallback beside it', () => {
      const methods = methodsOf(apiTemplate).filter((m) => m.httpMethod === 'ANY');

      const proxied = methods.filter((m) => m.path === '/v1/mesh/{service}/{proxy+}');
      const paths = methods.map((m) => m.path);

      expect(proxied).toEqual([
        expect.objectContaining({ integrationType: 'AWS_PROXY', functionLogicalId: functionLogicalIds.mesh }),
      ]);
      expect(paths).toHaveLength(new Set(paths).size);
    });

    it('nests the greedy {proxy+} resource of the mesh route under {service}, with no other method on it', () => {
      const methods = methodsOf(apiTemplate).filter((m) => m.path === '/v1/mesh/{service}/{proxy+}');

      expect(methods.map((m) => m.httpMethod)).toEqual(['ANY']);
      expect([...resourcePaths(apiTemplate.toJSON().Resources).values()]).toEqual(
        expect.arrayContaining(['/v1/mesh', '/v1/mesh/{service}', '/v1/mesh/{service}/{proxy+}']),
      );
    });

    it('lets any method of the API invoke the fallback function through one permission, and the others per method', () => {
      // Prepare
      const permissions = Object.values(apiTemplate.findResources('AWS::Lambda::Permission')) as CfnResource[];
      const permissionsOf = (fn: FunctionName) =>
        permissions.filter(
          (p) =>
            JSON.stringify(p.Properties.FunctionName) ===
            JSON.stringify({ 'Fn::GetAtt': [functionLogicalIds[fn], 'Arn'] }),
        );
      const meshMethods = methodsOf(apiTemplate).filter((m) => m.functionLogicalId === functionLogicalIds.mesh);

      // Act
      const system = permissionsOf('system');
      const mesh = permissionsOf('mesh');

      // Assess
      expect(system).toHaveLength(1);
      expect(system[0]!.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(system[0]!.Properties.SourceArn)).toMatch(/\/\*\/\*\/\*"\]\]\}$/);
      expect(mesh).toHaveLength(meshMethods.length);
      expect(JSON.stringify(mesh.map((p) => p.Properties.SourceArn))).toContain('/*/v1/mesh/*/*');
    });

    it('declares no method outside the route table and the fallbacks', () => {
      const methods = methodsOf(apiTemplate).filter((m) => m.httpMethod !== 'ANY');

      // One per route other than ANY, plus HEAD beside every GET.
      expect(methods).toHaveLength(
        routes.filter((r) => r.method !== 'ANY').length + routes.filter((r) => r.method === 'GET').length,
      );
    });

    it('leaves only the public routes open and puts the Lambda authorizer on every other method, fallbacks included (default: cognito)', () => {
      // Prepare
      const publicMethods = new Set(
        routes
          .filter((r) => (r as { public?: boolean }).public)
          .flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]).map((verb) => `${verb} ${r.path}`)),
      );

      // Act
      const methods = methodsOf(apiTemplate);

      // Assess
      expect(publicMethods.size).toBeGreaterThan(0);
      for (const m of methods) {
        const key = `${m.httpMethod} ${m.path}`;
        expect(m.authorizationType, key).toBe(publicMethods.has(key) ? 'NONE' : 'CUSTOM');
      }
      expect(methods.filter((m) => m.authorizationType === 'NONE')).toHaveLength(publicMethods.size);
    });

    it('treats every media type as binary (binary-safe proxying) and compresses', () => {
      apiTemplate.hasResourceProperties('AWS::ApiGateway::RestApi', {
        BinaryMediaTypes: [
          'application/msgpack',
          'application/x-msgpack',
          'application/cbor',
          'application/x-protobuf',
          'application/protobuf',
          '*/*',
        ],
        MinimumCompressionSize: 1024,
        EndpointConfiguration: { Types: ['REGIONAL'] },
      });
    });
  });

  describe('stage', () => {
    it('names the stage after the context, logs access as JSON, throttles, traces and records metrics', () => {
      const stages = apiTemplate.findResources('AWS::ApiGateway::Stage');
      const [stage] = Object.values(stages) as CfnResource[];
      const props = stage!.Properties as {
        StageName: string;
        TracingEnabled: boolean;
        AccessLogSetting: { DestinationArn: unknown; Format: string };
        MethodSettings: Array<Record<string, unknown>>;
      };

      expect(Object.keys(stages)).toHaveLength(1);
      expect(props.StageName).toBe('test');
      expect(props.TracingEnabled).toBe(true);
      expect(JSON.parse(props.AccessLogSetting.Format)).toMatchObject({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        method: '$context.httpMethod',
        path: '$context.path',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
      });
      expect(props.MethodSettings).toContainEqual(
        expect.objectContaining({
          HttpMethod: '*',
          ResourcePath: '/*',
          MetricsEnabled: true,
          ThrottlingRateLimit: defaultAppContext.throttleRateLimit,
          ThrottlingBurstLimit: defaultAppContext.throttleBurstLimit,
        }),
      );
    });

    it.each([
      ['DEFAULT_4XX', undefined],
      ['DEFAULT_5XX', undefined],
      ['THROTTLED', '429'],
      ['REQUEST_TOO_LARGE', '413'],
      ['MISSING_AUTHENTICATION_TOKEN', '404'],
      ['INTEGRATION_TIMEOUT', '504'],
      ['UNAUTHORIZED', '401'],
      ['ACCESS_DENIED', '403'],
      ['AUTHORIZER_FAILURE', '500'],
      ['AUTHORIZER_CONFIGURATION_ERROR', '500'],
    ])('answers %s as application/problem+json', (responseType, statusCode) => {
      const responses = Object.values(
        apiTemplate.findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: responseType } }),
      ) as CfnResource[];
      const props = responses[0]!.Properties as {
        StatusCode?: string;
        ResponseParameters: Record<string, string>;
        ResponseTemplates: Record<string, string>;
      };
      // API Gateway substitutes the variables; messageString arrives already quoted.
      const body = JSON.parse(
        props.ResponseTemplates['application/json']!.replace('$context.error.messageString', '"a message"').replaceAll(
          '$context.requestId',
          'req-1',
        ),
      );

      expect(responses).toHaveLength(1);
      expect(props.StatusCode).toBe(statusCode);
      expect(props.ResponseParameters['gatewayresponse.header.Content-Type']).toBe("'application/problem+json'");
      expect(body).toMatchObject({
        type: expect.stringMatching(/^urn:aif:problem:[a-z-]+$/),
        title: expect.any(String),
        detail: 'a message',
        instance: 'urn:aif:request:req-1',
      });
      if (statusCode) expect(body.status).toBe(Number(statusCode));
    });

    it('challenges for a bearer token on 401 and names the error on 403 (RFC 6750 §3)', () => {
      const header = (type: string) =>
        (
          Object.values(
            apiTemplate.findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: type } }),
          )[0] as CfnResource
        ).Properties.ResponseParameters as Record<string, string>;

      expect(header('UNAUTHORIZED')['gatewayresponse.header.WWW-Authenticate']).toBe(`'Bearer error="invalid_token"'`);
      expect(header('ACCESS_DENIED')['gatewayresponse.header.WWW-Authenticate']).toBe(
        `'Bearer error="insufficient_scope"'`,
      );
    });

    it('tells throttled clients when to retry', () => {
      apiTemplate.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'THROTTLED',
        ResponseParameters: Match.objectLike({
          'gatewayresponse.header.Retry-After': Match.stringLikeRegexp("^'\\d+'$"),
        }),
      });
    });

    it('outputs the API URL', () => {
      apiTemplate.hasOutput('ApiUrl', { Value: Match.anyValue() });
    });
  });

  describe('functions', () => {
    it('creates one function per manifest record, each with exactly the table variables its record names (and the audit table when it audits)', () => {
      // Prepare
      const functionsByService = new Map<string, { Environment: { Variables: Record<string, unknown> } }>();
      for (const resource of Object.values(apiTemplate.toJSON().Resources as Record<string, CfnResource>)) {
        const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
          ?.Variables;
        const service = variables?.POWERTOOLS_SERVICE_NAME;
        if (resource.Type === 'AWS::Lambda::Function' && typeof service === 'string') {
          functionsByService.set(service, resource.Properties as never);
        }
      }

      // Act / Assess
      expect([...functionsByService.keys()].sort()).toEqual([...functionNames].sort());
      for (const name of functionNames) {
        const variables = functionsByService.get(name)?.Environment.Variables ?? {};
        const expected = Object.keys(tableAccessOf(name))
          .map((id) => tableDefinitions.find((d) => d.id === id)?.envVar)
          .sort();
        const present = tableDefinitions
          .map((d) => d.envVar)
          .filter((envVar) => envVar in variables)
          .sort();
        expect(present, name).toEqual(expected);
      }
    });

    it.each(['contracts', 'system'] as const)('runs the %s function on nodejs22.x arm64 with active tracing', (fn) => {
      const tableName = { 'Fn::ImportValue': exportOf(statefulTemplate, stateful, 'Ref') };

      const props = apiTemplate.toJSON().Resources[functionLogicalIds[fn]].Properties;

      expect(props).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 1024,
        Timeout: 29,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        Environment: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: fn,
            POWERTOOLS_METRICS_NAMESPACE: 'AgentIntegrationFramework',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            MAX_BODY_BYTES: String(MAX_BODY_BYTES),
            [contractsTable.envVar]: tableName,
          },
        },
      });
    });

    it('grants the contracts function read/write and the system function read-only access to the table', () => {
      const tableArn = { 'Fn::ImportValue': exportOf(statefulTemplate, stateful, 'Arn') };
      const policies = apiTemplate.findResources('AWS::IAM::Policy');
      const statementsOf = (fn: FunctionName) => {
        const role = apiTemplate.toJSON().Resources[functionLogicalIds[fn]].Properties.Role['Fn::GetAtt'][0];
        const policy = Object.values(policies).find(
          (p) =>
            (p as CfnResource).Properties.Roles && JSON.stringify((p as CfnResource).Properties.Roles).includes(role),
        ) as CfnResource;
        return (policy.Properties.PolicyDocument as { Statement: Array<{ Action: string[]; Resource: unknown }> })
          .Statement;
      };

      const tableStatement = (fn: FunctionName) =>
        statementsOf(fn).find((s) => JSON.stringify(s.Resource).includes(JSON.stringify(tableArn)));

      expect(tableStatement('contracts')?.Action).toEqual(
        expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
      );
      expect(tableStatement('system')?.Action).toContain('dynamodb:GetItem');
      expect(tableStatement('system')?.Action).not.toContain('dynamodb:PutItem');
      expect(JSON.stringify(tableStatement('contracts')?.Resource)).toContain('/index/byKind');
      expect(JSON.stringify(statementsOf('contracts'))).not.toContain('/index/*');
    });

    it('gives the errors function its table and the bus, with PutEvents on that bus only (the auditing functions too)', () => {
      // Prepare
      const errorsTableLogicalId = stateful.getLogicalId(
        stateful.tables[errorsTable.id]!.node.defaultChild as CfnGlobalTable,
      );
      const busLogicalId = stateful.getLogicalId(stateful.eventBus.node.defaultChild as CfnEventBus);
      const statementsOf = statementsOfFunction;
      const statements = statementsOf(functionLogicalIds.errors);

      // Assess
      const variables = apiTemplate.toJSON().Resources[functionLogicalIds.errors].Properties.Environment.Variables;
      expect(variables[errorsTable.envVar]).toEqual({
        'Fn::ImportValue': exportOf(statefulTemplate, stateful, 'Ref', errorsTableLogicalId),
      });
      expect(variables.EVENT_BUS_NAME).toEqual({ 'Fn::ImportValue': expect.any(String) });
      expect(variables[contractsTable.envVar]).toBeUndefined();
      const putEvents = statements.find((s) => s.Action === 'events:PutEvents');
      expect(putEvents?.Resource).toEqual({
        'Fn::ImportValue': exportOf(statefulTemplate, stateful, 'Arn', busLogicalId),
      });
      // The contracts and system functions publish nothing of their own, only aif.audit records.
      for (const fn of ['contracts', 'system'] as const) {
        const audit = statementsOf(functionLogicalIds[fn]).find((s) => s.Action === 'events:PutEvents');
        expect(audit?.Resource, fn).toEqual(putEvents?.Resource);
      }
    });

    it('alarms on handled error rate, system errors and raised alerts from the Powertools metrics', () => {
      // Prepare
      const alarms = Object.values(apiTemplate.findResources('AWS::CloudWatch::Alarm')) as CfnResource[];
      const metricAlarm = (metricName: string, category?: string) =>
        alarms.find((alarm) => {
          const metrics = (alarm.Properties.Metrics ?? []) as Array<{
            MetricStat?: {
              Metric: { MetricName: string; Namespace: string; Dimensions: Array<{ Name: string; Value: string }> };
            };
          }>;
          const stats = metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
          return (
            stats.length > 0 &&
            stats.every(
              (m) =>
                m.MetricName === metricName &&
                m.Namespace === 'AgentIntegrationFramework' &&
                m.Dimensions.some((d) => d.Name === 'service') &&
                (category === undefined
                  ? m.Dimensions.length === 1
                  : m.Dimensions.some((d) => d.Name === 'category' && d.Value === category)),
            )
          );
        });

      const servicesOf = (alarm: CfnResource | undefined) =>
        (
          (alarm?.Properties.Metrics ?? []) as Array<{
            MetricStat?: { Metric: { Dimensions: Array<{ Name: string; Value: string }> } };
          }>
        )
          .flatMap((m) => m.MetricStat?.Metric.Dimensions ?? [])
          .filter((d) => d.Name === 'service')
          .map((d) => d.Value);

      // Assess
      for (const alarm of [
        metricAlarm('IntegrationErrors'),
        metricAlarm('IntegrationErrors', 'system'),
        metricAlarm('IntegrationAlerts'),
      ]) {
        // The functions that count errors: the errors, events and mesh functions and the dispatcher.
        expect(servicesOf(alarm).sort()).toEqual(['dispatcher', 'errors', 'events', 'mesh']);
      }
      expect(metricAlarm('IntegrationErrors')?.Properties).toMatchObject({
        Threshold: 100,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(metricAlarm('IntegrationErrors', 'system')?.Properties).toMatchObject({ Threshold: 1 });
      expect(metricAlarm('IntegrationAlerts')?.Properties).toMatchObject({ Threshold: 1 });
    });

    it('keeps every log group for the configured retention', () => {
      const logGroups = Object.values(apiTemplate.findResources('AWS::Logs::LogGroup')) as CfnResource[];

      // One per function (the route table's, the dispatcher, the health check and the authorizer) and the API's access log.
      expect(logGroups).toHaveLength(Object.keys(api.functions).length + 4);
      for (const group of logGroups) expect(group.Properties.RetentionInDays).toBe(defaultAppContext.logRetention);
    });

    it('alarms on function errors and throttles and on API 5XX responses', () => {
      for (const logicalId of [...Object.values(functionLogicalIds), dispatcherLogicalId(), healthCheckLogicalId()]) {
        for (const metricName of ['Errors', 'Throttles']) {
          apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
            Namespace: 'AWS/Lambda',
            MetricName: metricName,
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId } }],
          });
        }
      }
      apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApiGateway',
        MetricName: '5XXError',
        Dimensions: Match.arrayWith([Match.objectLike({ Name: 'Stage' })]),
      });
    });
  });
  describe('concurrency', () => {
    it('reserves each function’s manifest concurrency, so no capability can take the account’s whole pool', () => {
      const functions = Object.values(apiTemplate.findResources('AWS::Lambda::Function')) as CfnResource[];
      const reserved = Object.fromEntries(
        functions.map((f) => [
          (f.Properties.Environment as { Variables: Record<string, string> }).Variables.POWERTOOLS_SERVICE_NAME,
          f.Properties.ReservedConcurrentExecutions,
        ]),
      );

      expect(reserved).toEqual(
        Object.fromEntries(functionNames.map((name) => [name, functionManifest[name].reservedConcurrency])),
      );
      expect(reserved.mesh).toBeGreaterThan(reserved.system as number);
    });

    it('reserves none with -c reservedConcurrency=false', () => {
      const { api: open } = buildApp({ stage: 'test', reservedConcurrency: 'false' });
      const functions = Object.values(Template.fromStack(open).findResources('AWS::Lambda::Function')) as CfnResource[];

      expect(functions.filter((f) => f.Properties.ReservedConcurrentExecutions !== undefined)).toEqual([]);
    });
  });

  describe('least privilege', () => {
    it('grants no function dynamodb:Scan (every deployed read is by key or a Query)', () => {
      const policies = [...Object.values(apiTemplate.findResources('AWS::IAM::Policy'))] as CfnResource[];
      const actions = policies.flatMap((p) =>
        (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement.flatMap((s) => [s.Action].flat()),
      );

      expect(actions.length).toBeGreaterThan(0);
      expect(actions).not.toContain('dynamodb:Scan');
    });

    it('lets the system function read the tables its health check and state view read, and write only the audit trail', () => {
      const statements = statementsOfFunction(functionLogicalIds.system).filter((s) =>
        [s.Action].flat().some((a) => String(a).startsWith('dynamodb:')),
      );
      const text = JSON.stringify(statements.flatMap((s) => [s.Resource].flat()));
      const writers = statements.filter((s) => [s.Action].flat().includes('dynamodb:PutItem'));

      for (const table of ['Contracts', 'Errors', 'Audit', 'Mesh', 'Delivery', 'RateLimits']) {
        expect(text).toMatch(new RegExp(table));
      }
      expect(text).not.toMatch(/Events[A-Z0-9]/);
      expect(JSON.stringify(writers.flatMap((s) => [s.Resource].flat()))).not.toMatch(/Mesh|Delivery|RateLimits/);
    });

    it("lets the system function read the three queues' attributes and CloudWatch metric data, nothing more", () => {
      // Prepare
      const statements = statementsOfFunction(functionLogicalIds.system);
      const variables = apiTemplate.toJSON().Resources[functionLogicalIds.system].Properties.Environment.Variables;

      // Act
      const sqs = statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('sqs:')));
      const cloudWatch = statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('cloudwatch:')));

      // Assess
      expect(sqs.flatMap((s) => [s.Action].flat())).toEqual([
        'sqs:GetQueueAttributes',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueAttributes',
      ]);
      expect(sqs.map((s) => s.Resource)).toEqual(
        expect.arrayContaining([
          queueArn(stateful.deliveryQueue),
          queueArn(stateful.deliveryDeadLetterQueue),
          queueArn(stateful.eventsDeadLetterQueue),
        ]),
      );
      expect(cloudWatch).toEqual([expect.objectContaining({ Action: 'cloudwatch:GetMetricData', Resource: '*' })]);
      expect(variables).toMatchObject({
        DELIVERY_QUEUE_URL: queueUrl(stateful.deliveryQueue),
        DELIVERY_DLQ_URL: queueUrl(stateful.deliveryDeadLetterQueue),
        EVENTS_DLQ_URL: queueUrl(stateful.eventsDeadLetterQueue),
      });
    });
  });

  describe('events function', () => {
    it('gets its tables, the bus, the queues, the archive and the rule prefix as environment variables', () => {
      // Prepare
      const busLogicalId = stateful.getLogicalId(stateful.eventBus.node.defaultChild as CfnEventBus);
      const archiveLogicalId = stateful.getLogicalId(stateful.eventArchive.node.defaultChild as CfnArchive);
      const tableName = (id: string) =>
        imported({ Ref: stateful.getLogicalId(stateful.tables[id]!.node.defaultChild as CfnGlobalTable) });

      // Act
      const variables = apiTemplate.toJSON().Resources[functionLogicalIds.events].Properties.Environment.Variables;

      // Assess
      expect(variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'events',
        [eventsTable.envVar]: tableName(eventsTable.id),
        [deliveryTable.envVar]: tableName(deliveryTable.id),
        [contractsTable.envVar]: tableName(contractsTable.id),
        [errorsTable.envVar]: tableName(errorsTable.id),
        EVENT_BUS_NAME: imported({ Ref: busLogicalId }),
        EVENT_BUS_ARN: imported({ 'Fn::GetAtt': [busLogicalId, 'Arn'] }),
        DELIVERY_QUEUE_URL: queueUrl(stateful.deliveryQueue),
        DELIVERY_QUEUE_ARN: queueArn(stateful.deliveryQueue),
        EVENTS_DLQ_ARN: queueArn(stateful.eventsDeadLetterQueue),
        EVENT_ARCHIVE_ARN: imported({ 'Fn::GetAtt': [archiveLogicalId, 'Arn'] }),
        SUBSCRIPTION_RULE_PREFIX: 'aif-test-sub-',
      });
    });

    it('manages only the rules of the bus named with the subscription rule prefix', () => {
      // Prepare
      const busName = imported({ Ref: stateful.getLogicalId(stateful.eventBus.node.defaultChild as CfnEventBus) });

      // Act
      const ruleStatements = statementsOfFunction(functionLogicalIds.events).filter((s) =>
        [s.Action].flat().some((a) => (SUBSCRIPTION_RULE_ACTIONS as readonly string[]).includes(a)),
      );

      // Assess
      expect(ruleStatements).toHaveLength(1);
      expect([ruleStatements[0]!.Action].flat().sort()).toEqual([...SUBSCRIPTION_RULE_ACTIONS].sort());
      expect(ruleStatements[0]!.Resource).toEqual({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':events:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':rule/',
            busName,
            '/aif-test-sub-*',
          ],
        ],
      });
    });

    it('starts replays only from the archive to the bus, and reads replays — only this stack’s (replay/<rule prefix>*)', () => {
      // Prepare
      const busLogicalId = stateful.getLogicalId(stateful.eventBus.node.defaultChild as CfnEventBus);
      const archiveLogicalId = stateful.getLogicalId(stateful.eventArchive.node.defaultChild as CfnArchive);
      const replays = {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':events:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':replay/aif-test-sub-*',
          ],
        ],
      };

      // Act
      const statements = statementsOfFunction(functionLogicalIds.events);

      // Assess
      const resourcesOf = (action: string) =>
        statements.filter((s) => [s.Action].flat().includes(action)).flatMap((s) => [s.Resource].flat());
      expect(resourcesOf('events:StartReplay')).toEqual([
        replays,
        imported({ 'Fn::GetAtt': [archiveLogicalId, 'Arn'] }),
        imported({ 'Fn::GetAtt': [busLogicalId, 'Arn'] }),
      ]);
      expect(resourcesOf('events:DescribeReplay')).toEqual([replays]);
    });

    it('sends to the delivery queue (redrive) and publishes to the bus', () => {
      const statements = statementsOfFunction(functionLogicalIds.events);

      const send = statements.find((s) => [s.Action].flat().includes('sqs:SendMessage'));
      const putEvents = statements.find((s) => [s.Action].flat().includes('events:PutEvents'));

      expect(send?.Resource).toEqual(queueArn(stateful.deliveryQueue));
      expect(putEvents?.Resource).toEqual(
        imported({ 'Fn::GetAtt': [stateful.getLogicalId(stateful.eventBus.node.defaultChild as CfnEventBus), 'Arn'] }),
      );
    });

    it('grants no EventBridge or SQS action on "*" to any function', () => {
      const statements = Object.values(apiTemplate.findResources('AWS::IAM::Policy')).flatMap(
        (p) => ((p as CfnResource).Properties.PolicyDocument as { Statement: Statement[] }).Statement,
      );

      const wildcard = statements.filter(
        (s) =>
          [s.Action].flat().some((a) => a.startsWith('events:') || a.startsWith('sqs:')) &&
          [s.Resource].flat().includes('*'),
      );

      expect(wildcard).toEqual([]);
    });
  });

  describe('mesh function', () => {
    /** Actions a function's policy allows on exactly this resource. */
    const actionsOn = (statements: Statement[], resource: unknown) =>
      statements
        .filter((s) => [s.Resource].flat().some((r) => JSON.stringify(r) === JSON.stringify(resource)))
        .flatMap((s) => [s.Action].flat());
    const tableRef = (id: string) => stateful.getLogicalId(stateful.tables[id]!.node.defaultChild as CfnGlobalTable);

    it('runs with 1024 MiB for up to 29 s with its tables (contracts read for their rate limits), the bus and outbound calls to public addresses only', () => {
      // Prepare
      const busLogicalId = stateful.getLogicalId(stateful.eventBus.node.defaultChild as CfnEventBus);

      // Act
      const props = apiTemplate.toJSON().Resources[functionLogicalIds.mesh].Properties;

      // Assess
      expect(props).toMatchObject({ MemorySize: 1024, Timeout: 29 });
      expect(props.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'mesh',
        MAX_BODY_BYTES: String(MAX_BODY_BYTES),
        [meshTable.envVar]: imported({ Ref: tableRef(meshTable.id) }),
        [errorsTable.envVar]: imported({ Ref: tableRef(errorsTable.id) }),
        [contractsTable.envVar]: imported({ Ref: tableRef(contractsTable.id) }),
        [rateLimitsTable.envVar]: imported({ Ref: tableRef(rateLimitsTable.id) }),
        MESH_MAX_IN_FLIGHT_PER_TENANT: '50',
        EVENT_BUS_NAME: imported({ Ref: busLogicalId }),
        OUTBOUND_ALLOW_LOOPBACK: 'false',
        OUTBOUND_ALLOW_PRIVATE: 'false',
        OUTBOUND_REQUIRE_HTTPS: 'true',
      });
      for (const other of [eventsTable, deliveryTable]) {
        expect(props.Environment.Variables[other.envVar]).toBeUndefined();
      }
    });

    it("reads only the stack's upstream credential secrets, and no other function reads any secret", () => {
      // Prepare
      const prefix = `aif/${api.stackName}/mesh/`;

      // Act
      const props = apiTemplate.toJSON().Resources[functionLogicalIds.mesh].Properties;
      const secretStatements = statementsOfFunction(functionLogicalIds.mesh).filter((s) =>
        [s.Action].flat().some((a) => String(a).startsWith('secretsmanager:')),
      );
      const others = (['contracts', 'errors', 'events', 'system'] as const).flatMap((fn) =>
        statementsOfFunction(functionLogicalIds[fn]).filter((s) => JSON.stringify(s.Action).includes('secretsmanager')),
      );

      // Assess
      expect(props.Environment.Variables.MESH_SECRET_PREFIX).toBe(prefix);
      expect(secretStatements).toHaveLength(1);
      expect(secretStatements[0]?.Action).toBe('secretsmanager:GetSecretValue');
      expect(JSON.stringify(secretStatements[0]?.Resource)).toContain(`:secretsmanager:`);
      expect(JSON.stringify(secretStatements[0]?.Resource)).toContain(`:secret:${prefix}*`);
      expect(others).toEqual([]);
    });

    it('reads and writes the mesh, errors and rate-limits tables, reads contracts, and publishes alerts to the bus', () => {
      // Prepare
      const tableArn = (id: string) => imported({ 'Fn::GetAtt': [tableRef(id), 'Arn'] });
      const busArn = imported({
        'Fn::GetAtt': [stateful.getLogicalId(stateful.eventBus.node.defaultChild as CfnEventBus), 'Arn'],
      });

      // Act
      const statements = statementsOfFunction(functionLogicalIds.mesh);

      // Assess
      for (const id of [meshTable.id, errorsTable.id, rateLimitsTable.id]) {
        expect(actionsOn(statements, tableArn(id))).toEqual(
          expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem']),
        );
      }
      expect(actionsOn(statements, tableArn(contractsTable.id))).toEqual(
        expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']),
      );
      expect(actionsOn(statements, tableArn(contractsTable.id))).not.toContain('dynamodb:PutItem');
      expect(JSON.stringify(statements)).toContain('/index/byName');
      expect(actionsOn(statements, busArn)).toEqual(['events:PutEvents']);
      for (const other of [eventsTable, deliveryTable]) {
        expect(actionsOn(statements, tableArn(other.id))).toEqual([]);
      }
    });
  });

  describe('health check', () => {
    const healthCheckRef = () => ({ 'Fn::GetAtt': [healthCheckLogicalId(), 'Arn'] });
    const logicalIdInApi = (construct: IConstruct) => api.getLogicalId(construct.node.defaultChild as CfnElement);
    const schedules = () => Object.values(apiTemplate.findResources('AWS::Scheduler::Schedule')) as CfnResource[];

    it('invokes the health-check function at rate(1 minute), retrying twice within a minute, into a DLQ', () => {
      // Act
      const all = schedules();

      // Assess
      expect(all).toHaveLength(1);
      expect(all[0]!.Properties).toMatchObject({
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: healthCheckRef(),
          RoleArn: { 'Fn::GetAtt': [logicalIdInApi(api.healthCheck.scheduleRole), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdInApi(api.healthCheck.deadLetterQueue), 'Arn'] } },
        },
      });
    });

    it('lets only EventBridge Scheduler of this account assume the schedule role, to invoke this function', () => {
      // Prepare
      const roleLogicalId = logicalIdInApi(api.healthCheck.scheduleRole);
      const dlqArn = { 'Fn::GetAtt': [logicalIdInApi(api.healthCheck.deadLetterQueue), 'Arn'] };

      // Act
      const role = apiTemplate.toJSON().Resources[roleLogicalId] as CfnResource;
      const policy = (Object.values(apiTemplate.findResources('AWS::IAM::Policy')) as CfnResource[]).find(
        (p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleLogicalId }]),
      );
      const statements = (policy!.Properties.PolicyDocument as { Statement: Statement[] }).Statement;

      // Assess
      expect(role.Properties.AssumeRolePolicyDocument).toMatchObject({
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': expect.anything() },
            },
          },
        ],
      });
      expect(statements).toEqual([
        expect.objectContaining({
          Action: 'lambda:InvokeFunction',
          Resource: [healthCheckRef(), { 'Fn::Join': ['', [healthCheckRef(), ':*']] }],
        }),
        expect.objectContaining({ Action: 'sqs:SendMessage', Resource: dlqArn }),
      ]);
    });

    it('does not retry a failed run and sends it to the DLQ', () => {
      apiTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: healthCheckLogicalId() },
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 60,
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdInApi(api.healthCheck.deadLetterQueue), 'Arn'] } },
        },
      });
    });

    it('runs for up to 60 s with the mesh and errors tables, the bus, the stale policy and public probes only', () => {
      // Prepare
      const tableName = (id: string) =>
        imported({ Ref: stateful.getLogicalId(stateful.tables[id]!.node.defaultChild as CfnGlobalTable) });

      // Act
      const props = apiTemplate.toJSON().Resources[healthCheckLogicalId()].Properties;

      // Assess
      expect(props.Timeout).toBe(60);
      expect(props.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'health-check',
        [meshTable.envVar]: tableName(meshTable.id),
        [errorsTable.envVar]: tableName(errorsTable.id),
        EVENT_BUS_NAME: imported({ Ref: stateful.getLogicalId(stateful.eventBus.node.defaultChild as CfnEventBus) }),
        STALE_INSTANCE_AFTER_MS: '600000',
        DEREGISTER_STALE: 'false',
        HEALTH_CHECK_MAX_PER_RUN: '500',
        HEALTH_CHECK_SPREAD_MS: '45000',
        OUTBOUND_ALLOW_LOOPBACK: 'false',
        OUTBOUND_ALLOW_PRIVATE: 'false',
        OUTBOUND_REQUIRE_HTTPS: 'true',
      });
      expect(props.Environment.Variables[contractsTable.envVar]).toBeUndefined();
    });

    it('writes the mesh table, only reads the errors table, and publishes to the bus', () => {
      // Prepare
      const tableArn = (id: string) =>
        imported({
          'Fn::GetAtt': [stateful.getLogicalId(stateful.tables[id]!.node.defaultChild as CfnGlobalTable), 'Arn'],
        });
      const statements = statementsOfFunction(healthCheckLogicalId());

      // Act
      const actionsOn = (resource: unknown) =>
        statements
          .filter((s) => [s.Resource].flat().some((r) => JSON.stringify(r) === JSON.stringify(resource)))
          .flatMap((s) => [s.Action].flat());

      // Assess
      expect(actionsOn(tableArn(meshTable.id))).toEqual(
        expect.arrayContaining(['dynamodb:Query', 'dynamodb:UpdateItem']),
      );
      expect(actionsOn(tableArn(errorsTable.id))).toContain('dynamodb:GetItem');
      expect(actionsOn(tableArn(errorsTable.id))).not.toContain('dynamodb:PutItem');
      expect(
        actionsOn(
          imported({
            'Fn::GetAtt': [stateful.getLogicalId(stateful.eventBus.node.defaultChild as CfnEventBus), 'Arn'],
          }),
        ),
      ).toEqual(['events:PutEvents']);
    });

    it('alarms on unhealthy instances, its errors and its DLQ', () => {
      // Prepare
      const queueName = {
        'Fn::GetAtt': [logicalIdInApi(api.healthCheck.deadLetterQueue), 'QueueName'],
      };

      // Act
      const unhealthy = Object.values(
        apiTemplate.findResources('AWS::CloudWatch::Alarm', {
          Properties: { Namespace: 'AgentIntegrationFramework', MetricName: 'UnhealthyInstances' },
        }),
      ) as CfnResource[];

      // Assess
      expect(unhealthy).toHaveLength(1);
      expect(unhealthy[0]!.Properties).toMatchObject({
        Dimensions: [{ Name: 'service', Value: 'health-check' }],
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: healthCheckLogicalId() } }],
        Threshold: 1,
      });
      apiTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: queueName }],
        Threshold: 1,
      });
    });

    it('encrypts its DLQ and requires TLS', () => {
      const queue = apiTemplate.toJSON().Resources[logicalIdInApi(api.healthCheck.deadLetterQueue)] as CfnResource;

      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
      expect(JSON.stringify(apiTemplate.findResources('AWS::SQS::QueuePolicy'))).toContain('aws:SecureTransport');
    });

    it('runs at the interval of the context', () => {
      // Prepare: skip bundling, only the schedule is looked at
      const { api: other } = buildApp({
        stage: 'interval',
        healthCheckIntervalMinutes: '5',
        'aws:cdk:bundling-stacks': [],
      });

      // Act
      const template = Template.fromStack(other);

      // Assess
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(5 minutes)',
        Target: Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 } }),
      });
    });

    it('checks at most the context healthCheckMaxPerRun a run, spread over min(interval, timeout) − 15 s', () => {
      // Prepare: skip bundling, only the function's settings are looked at
      const { api: other } = buildApp({
        stage: 'budget',
        healthCheckIntervalMinutes: '5',
        healthCheckMaxPerRun: '1200',
        'aws:cdk:bundling-stacks': [],
      });
      const logicalId = other.getLogicalId(other.healthCheck.function.function.node.defaultChild as CfnFunction);

      // Act
      const props = Template.fromStack(other).toJSON().Resources[logicalId].Properties;

      // Assess: a 5-minute interval still spreads within the 60 s timeout, ending 15 s before it
      expect(props.Timeout).toBe(60);
      expect(props.Environment.Variables).toMatchObject({
        HEALTH_CHECK_MAX_PER_RUN: '1200',
        HEALTH_CHECK_SPREAD_MS: '45000',
      });
      expect(Number(props.Environment.Variables.HEALTH_CHECK_SPREAD_MS) + 15_000).toBeLessThanOrEqual(
        props.Timeout * 1000,
      );
    });

    it.each([
      [{ maxChecksPerRun: 0 }, /maxChecksPerRun/],
      [{ maxChecksPerRun: 10_001 }, /maxChecksPerRun/],
      [{ maxChecksPerRun: 2.5 }, /maxChecksPerRun/],
      [{ interval: Duration.seconds(90) }, /whole number of minutes/],
      [{ interval: Duration.seconds(30) }, /whole number of minutes/],
      [{ staleInstanceAfter: Duration.seconds(30) }, /at least 1 minute/],
      [{ retryAttempts: 186 }, /retryAttempts/],
    ])('rejects the settings %o', (settings, message) => {
      // Prepare
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const statefulStack = new StatefulStack(app, 'Stateful');
      const stack = new Stack(app, 'Other');

      // Act / Assess
      expect(
        () =>
          new HealthCheck(stack, 'HealthCheck', {
            tables: statefulStack.tables,
            eventBus: statefulStack.eventBus,
            ...settings,
          }),
      ).toThrow(message);
    });
  });

  describe('dispatcher', () => {
    it('consumes the delivery queue in batches of 10 within 1 s, reporting batch item failures', () => {
      apiTemplate.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      apiTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: dispatcherLogicalId() },
        EventSourceArn: queueArn(stateful.deliveryQueue),
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('runs for up to 60 s with its tables (RateLimits for its outbound budget), the bus, the queue URL and outbound calls to public addresses only', () => {
      // Prepare
      const tableName = (id: string) =>
        imported({ Ref: stateful.getLogicalId(stateful.tables[id]!.node.defaultChild as CfnGlobalTable) });

      // Act
      const props = apiTemplate.toJSON().Resources[dispatcherLogicalId()].Properties;

      // Assess
      expect(props.Timeout).toBe(60);
      expect(props.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'dispatcher',
        [deliveryTable.envVar]: tableName(deliveryTable.id),
        [eventsTable.envVar]: tableName(eventsTable.id),
        [errorsTable.envVar]: tableName(errorsTable.id),
        [rateLimitsTable.envVar]: tableName(rateLimitsTable.id),
        WEBHOOK_MAX_IN_FLIGHT_PER_TENANT: '10',
        EVENT_BUS_NAME: imported({ Ref: stateful.getLogicalId(stateful.eventBus.node.defaultChild as CfnEventBus) }),
        DELIVERY_QUEUE_URL: queueUrl(stateful.deliveryQueue),
        OUTBOUND_ALLOW_LOOPBACK: 'false',
        OUTBOUND_ALLOW_PRIVATE: 'false',
        OUTBOUND_REQUIRE_HTTPS: 'true',
      });
      expect(props.Environment.Variables[contractsTable.envVar]).toBeUndefined();
    });

    it('writes dead letters, error counts and in-flight leases, reads the event log, changes message visibility and sends deferred deliveries', () => {
      // Prepare
      const tableArn = (id: string) =>
        imported({
          'Fn::GetAtt': [stateful.getLogicalId(stateful.tables[id]!.node.defaultChild as CfnGlobalTable), 'Arn'],
        });
      const statements = statementsOfFunction(dispatcherLogicalId());

      // Act
      const actionsOn = (resource: unknown) =>
        statements
          .filter((s) => [s.Resource].flat().some((r) => JSON.stringify(r) === JSON.stringify(resource)))
          .flatMap((s) => [s.Action].flat());

      // Assess
      expect(actionsOn(tableArn(deliveryTable.id))).toContain('dynamodb:PutItem');
      expect(actionsOn(tableArn(errorsTable.id))).toContain('dynamodb:UpdateItem');
      expect(actionsOn(tableArn(eventsTable.id))).toContain('dynamodb:GetItem');
      expect(actionsOn(tableArn(eventsTable.id))).not.toContain('dynamodb:PutItem');
      expect(actionsOn(tableArn(rateLimitsTable.id))).toContain('dynamodb:UpdateItem');
      expect(actionsOn(queueArn(stateful.deliveryQueue))).toEqual(
        expect.arrayContaining([
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:SendMessage',
        ]),
      );
    });

    it('alarms on any message in either DLQ and on a delivery backlog of 15 minutes', () => {
      // Prepare
      const alarmOn = (metricName: string, queue: Queue) =>
        Object.values(
          apiTemplate.findResources('AWS::CloudWatch::Alarm', {
            Properties: {
              Namespace: 'AWS/SQS',
              MetricName: metricName,
              Dimensions: [{ Name: 'QueueName', Value: queueName(queue) }],
            },
          }),
        ) as CfnResource[];

      // Act
      const deliveryDlq = alarmOn('ApproximateNumberOfMessagesVisible', stateful.deliveryDeadLetterQueue);
      const eventsDlq = alarmOn('ApproximateNumberOfMessagesVisible', stateful.eventsDeadLetterQueue);
      const backlog = alarmOn('ApproximateAgeOfOldestMessage', stateful.deliveryQueue);

      // Assess
      for (const alarms of [deliveryDlq, eventsDlq]) {
        expect(alarms).toHaveLength(1);
        expect(alarms[0]!.Properties).toMatchObject({
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
      }
      expect(backlog).toHaveLength(1);
      expect(backlog[0]!.Properties).toMatchObject({
        Threshold: 900,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(api.dispatcher.deliveryDeadLetterQueueAlarm).toBeDefined();
      expect(api.dispatcher.eventsDeadLetterQueueAlarm).toBeDefined();
      expect(api.dispatcher.deliveryBacklogAlarm).toBeDefined();
    });
  });
});

describe('StatefulStack', () => {
  let stateful: StatefulStack;
  let template: Template;

  beforeAll(() => {
    const app = new App();
    stateful = new StatefulStack(app, 'Stateful');
    template = Template.fromStack(stateful);
  });

  it('creates the custom event bus and retains it', () => {
    const buses = Object.values(template.findResources('AWS::Events::EventBus')) as CfnResource[];
    expect(buses).toHaveLength(1);
    expect(buses[0]?.DeletionPolicy).toBe('Retain');
    expect(buses[0]?.Properties.Name).toEqual(expect.any(String));
  });

  it('creates one table per table definition', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', tableDefinitions.length);
    expect(Object.keys(stateful.tables)).toEqual(tableDefinitions.map((d) => d.id));
  });

  it.each(tableDefinitions.map((d) => [d.id, d] as const))(
    'creates the %s table on demand, encrypted, recoverable, retained and deletion protected',
    (id, definition) => {
      const logicalId = stateful.getLogicalId(stateful.tables[id]!.node.defaultChild as CfnGlobalTable);
      const table = template.toJSON().Resources[logicalId] as CfnResource;

      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        KeySchema: [
          { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
          ...(definition.sortKey ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' }] : []),
        ],
        Replicas: [
          expect.objectContaining({
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ],
      });
      expect(table.Properties.GlobalSecondaryIndexes ?? []).toEqual(
        definition.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      );
      if (definition.timeToLiveAttribute) {
        expect(table.Properties.TimeToLiveSpecification).toEqual({
          AttributeName: definition.timeToLiveAttribute,
          Enabled: true,
        });
      }
      expect(table.Properties).not.toHaveProperty('TableName');
    },
  );

  it('turns on termination protection', () => {
    expect(stateful.terminationProtection).toBe(true);
  });

  describe('event archive', () => {
    it('archives every event on the bus for 30 days by default and retains the archive', () => {
      const archives = Object.values(template.findResources('AWS::Events::Archive')) as CfnResource[];
      const busLogicalId = stateful.getLogicalId(stateful.eventBus.node.defaultChild as CfnEventBus);

      expect(archives).toHaveLength(1);
      expect(archives[0]!.DeletionPolicy).toBe('Retain');
      expect(archives[0]!.Properties).toMatchObject({
        SourceArn: { 'Fn::GetAtt': [busLogicalId, 'Arn'] },
        RetentionDays: 30,
        EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
      });
    });

    it('keeps events for the retention it is given', () => {
      const stack = new StatefulStack(new App(), 'Stateful', { eventArchiveRetention: Duration.days(90) });

      Template.fromStack(stack).hasResourceProperties('AWS::Events::Archive', { RetentionDays: 90 });
    });
  });

  describe('delivery queues', () => {
    const queueOf = (queue: Queue) =>
      template.toJSON().Resources[stateful.getLogicalId(queue.node.defaultChild as CfnQueue)] as CfnResource;

    it('redrives the delivery queue to its DLQ after 110 receives, above the 101 attempts a subscription makes', () => {
      const queue = queueOf(stateful.deliveryQueue);

      expect(DELIVERY_MAX_RECEIVE_COUNT).toBe(110);
      expect(queue.Properties).toMatchObject({
        VisibilityTimeout: 360,
        MessageRetentionPeriod: 14 * 24 * 3600,
        RedrivePolicy: {
          deadLetterTargetArn: {
            'Fn::GetAtt': [
              stateful.getLogicalId(stateful.deliveryDeadLetterQueue.node.defaultChild as CfnQueue),
              'Arn',
            ],
          },
          maxReceiveCount: 110,
        },
      });
    });

    it.each([
      ['delivery queue', 'deliveryQueue'],
      ['delivery DLQ', 'deliveryDeadLetterQueue'],
      ['events DLQ', 'eventsDeadLetterQueue'],
    ] as const)('encrypts the %s, keeps messages 14 days and retains it', (_name, property) => {
      const queue = queueOf(stateful[property]);

      expect(queue.DeletionPolicy).toBe('Retain');
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
      expect(queue.Properties).not.toHaveProperty('QueueName');
    });

    it.each([
      ['delivery queue', 'deliveryQueue'],
      ['events DLQ', 'eventsDeadLetterQueue'],
    ] as const)('lets only the prefixed subscription rules of the bus send to the %s, over TLS', (_name, property) => {
      // Prepare
      const queueLogicalId = stateful.getLogicalId(stateful[property].node.defaultChild as CfnQueue);
      const busLogicalId = stateful.getLogicalId(stateful.eventBus.node.defaultChild as CfnEventBus);
      const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as CfnResource[];

      // Act
      const policy = policies.find(
        (p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: queueLogicalId }]),
      );
      const statements = (policy!.Properties.PolicyDocument as { Statement: Statement[] }).Statement;

      // Assess
      const allows = statements.filter((s) => s.Effect === 'Allow');
      expect(allows).toEqual([
        expect.objectContaining({
          Action: 'sqs:SendMessage',
          Principal: { Service: 'events.amazonaws.com' },
          Resource: { 'Fn::GetAtt': [queueLogicalId, 'Arn'] },
          Condition: {
            ArnLike: {
              'aws:SourceArn': {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':events:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':rule/',
                    { Ref: busLogicalId },
                    '/aif-sub-*',
                  ],
                ],
              },
            },
          },
        }),
      ]);
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });

    it('admits no other sender to the delivery DLQ than SQS redrive', () => {
      const queueLogicalId = stateful.getLogicalId(stateful.deliveryDeadLetterQueue.node.defaultChild as CfnQueue);
      const policy = (Object.values(template.findResources('AWS::SQS::QueuePolicy')) as CfnResource[]).find(
        (p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: queueLogicalId }]),
      );

      const statements = (policy!.Properties.PolicyDocument as { Statement: Statement[] }).Statement;

      expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([]);
    });

    it('uses the subscription rule prefix it is given', () => {
      const stack = new StatefulStack(new App(), 'Stateful', { subscriptionRulePrefix: 'aif-prod-sub-' });

      expect(JSON.stringify(Template.fromStack(stack).findResources('AWS::SQS::QueuePolicy'))).toContain(
        '/aif-prod-sub-*',
      );
      expect(stack.subscriptionRulePrefix).toBe('aif-prod-sub-');
    });

    it.each(['', 'sub-*', 'a'.repeat(25), 'bad/prefix'])('rejects the subscription rule prefix "%s"', (prefix) => {
      expect(() => new StatefulStack(new App(), 'Stateful', { subscriptionRulePrefix: prefix })).toThrow(
        /subscription rule prefix/,
      );
    });
  });
});

describe('readAppContext', () => {
  it('applies the defaults when the context is empty', () => {
    expect(readAppContext(new App().node)).toEqual({
      stage: 'dev',
      throttleRateLimit: 100,
      throttleBurstLimit: 200,
      logRetention: RetentionDays.ONE_MONTH,
      eventArchiveRetention: Duration.days(30),
      subscriptionRulePrefix: 'aif-dev-sub-',
      healthCheckInterval: Duration.minutes(1),
      healthCheckMaxPerRun: 500,
      auth: { mode: 'cognito', resourceServerId: 'aif', cacheTtl: Duration.seconds(300) },
      auditRetention: RetentionDays.ONE_YEAR,
      authFailureAlarmThreshold: 50,
      reserveConcurrency: true,
      destroyOnRemoval: false,
    });
  });

  it('parses values given on the command line as strings', () => {
    const app = new App({
      context: {
        stage: 'prod',
        throttleRateLimit: '50',
        throttleBurstLimit: '75',
        logRetentionDays: '90',
        eventArchiveRetentionDays: '7',
        healthCheckIntervalMinutes: '5',
        healthCheckMaxPerRun: '2000',
        auditRetentionDays: '1827',
        authFailureAlarmThreshold: '20',
      },
    });

    expect(readAppContext(app.node)).toEqual({
      stage: 'prod',
      throttleRateLimit: 50,
      throttleBurstLimit: 75,
      logRetention: RetentionDays.THREE_MONTHS,
      eventArchiveRetention: Duration.days(7),
      subscriptionRulePrefix: 'aif-prod-sub-',
      healthCheckInterval: Duration.minutes(5),
      healthCheckMaxPerRun: 2000,
      auth: { mode: 'cognito', resourceServerId: 'aif', cacheTtl: Duration.seconds(300) },
      auditRetention: RetentionDays.FIVE_YEARS,
      authFailureAlarmThreshold: 20,
      reserveConcurrency: true,
      destroyOnRemoval: false,
    });
  });

  it('takes a subscription rule prefix from the context over the stage default', () => {
    const app = new App({ context: { stage: 'a-very-long-stage-name', subscriptionRulePrefix: 'aif-long-sub-' } });

    expect(readAppContext(app.node).subscriptionRulePrefix).toBe('aif-long-sub-');
  });

  it('reads the archive retention of cdk.json', () => {
    const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
      context: Record<string, unknown>;
    };

    expect(readAppContext(new App({ context }).node).eventArchiveRetention.toDays()).toBe(30);
  });

  it('reads the health check interval of cdk.json', () => {
    const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
      context: Record<string, unknown>;
    };

    expect(readAppContext(new App({ context }).node).healthCheckInterval.toMinutes()).toBe(1);
  });

  it('reads the health check cap per run of cdk.json', () => {
    const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
      context: Record<string, unknown>;
    };

    expect(readAppContext(new App({ context }).node).healthCheckMaxPerRun).toBe(500);
  });

  it.each([
    [{ stage: 'my stage' }, /stage/],
    [{ throttleRateLimit: '-1' }, /throttleRateLimit/],
    [{ throttleBurstLimit: '2.5' }, /throttleBurstLimit/],
    [{ logRetentionDays: '31' }, /logRetentionDays/],
    [{ eventArchiveRetentionDays: '1.5' }, /eventArchiveRetentionDays/],
    [{ eventArchiveRetentionDays: '0' }, /eventArchiveRetentionDays/],
    [{ subscriptionRulePrefix: 'sub*' }, /subscriptionRulePrefix/],
    [{ healthCheckIntervalMinutes: '1.5' }, /healthCheckIntervalMinutes/],
    [{ healthCheckIntervalMinutes: '0' }, /healthCheckIntervalMinutes/],
    [{ healthCheckMaxPerRun: '0' }, /"healthCheckMaxPerRun" must be a positive number/],
    [{ healthCheckMaxPerRun: '12.5' }, /"healthCheckMaxPerRun" must be a whole number of instances from 1 to 10000/],
    [{ healthCheckMaxPerRun: '10001' }, /"healthCheckMaxPerRun" must be a whole number of instances from 1 to 10000/],
    [{ healthCheckMaxPerRun: 'all' }, /"healthCheckMaxPerRun" must be a positive number/],
  ])('rejects the malformed context %o', (context, message) => {
    expect(() => readAppContext(new App({ context }).node)).toThrow(message);
  });
});

/** The export name under which the stateful stack shares the contracts table's `Ref` (name) or `Arn`. */
function exportOf(
  template: Template,
  stack: StatefulStack,
  attribute: 'Ref' | 'Arn',
  logicalId = stack.getLogicalId(stack.tables[contractsTable.id]!.node.defaultChild as CfnGlobalTable),
): string {
  return exportNamed(template, attribute === 'Ref' ? { Ref: logicalId } : { 'Fn::GetAtt': [logicalId, 'Arn'] });
}

/** The export name under which the stateful stack shares a value (`{ Ref: … }`, `{ 'Fn::GetAtt': … }`). */
function exportNamed(template: Template, value: unknown): string {
  const output = Object.values(template.toJSON().Outputs ?? {}).find(
    (o) => JSON.stringify((o as { Value: unknown }).Value) === JSON.stringify(value),
  ) as { Export: { Name: string } } | undefined;
  if (!output) throw new Error(`The stateful stack exports no ${JSON.stringify(value)}`);
  return output.Export.Name;
}
