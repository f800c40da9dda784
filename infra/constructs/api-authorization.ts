import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AuthorizationType,
  IdentitySource,
  type MethodOptions,
  RequestAuthorizer,
  type RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import {
  AccountRecovery,
  FeaturePlan,
  type IUserPool,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  UserPool,
  type UserPoolClient,
  type UserPoolDomain,
  type UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type MethodArn, routeArns } from '../../shared/domain/auth/authorizer-policy';
import type { ScopedRoute } from '../../shared/domain/auth/scopes';
import type { AgentClientSettings, AuthSettings } from '../app-context';
import type { MethodAuthorization } from './http-api';
import { createManifestFunction, type FunctionResources } from './manifest-function';
import { acknowledgeWildcardResource } from './nag';
import type { NodeFunction } from './node-function';

/** Props of {@link ApiAuthorization}. */
export interface ApiAuthorizationProps {
  /** The mode and its settings (`readAppContext`; `none` needs a reason). */
  readonly auth: AuthSettings;
  /** The route table: its non-public routes' scopes become the Cognito scopes and the IAM policies. */
  readonly routes: readonly ScopedRoute[];
  /** Bindings for the authorizer function (it has none beyond its AUTH_* settings). */
  readonly resources: FunctionResources;
  /** Deployment stage name (Cognito domain prefix default, IAM policy ARNs). @default 'dev' */
  readonly stageName?: string;
  /** Deletion protection of a created user pool; false only for a disposable stage. @default true */
  readonly deletionProtection?: boolean;
  /** @default - NodeFunction's default (one month) */
  readonly logRetention?: RetentionDays;
  /**
   * Require certificate-bound tokens (RFC 8705; an mTLS custom domain): the authorizer gets
   * AUTH_BIND_CLIENT_CERTIFICATE and its answers are not cached (the cache key is the token alone). @default false
   */
  readonly bindClientCertificate?: boolean;
  /**
   * Every protected method requires an API key (usage plans, issue 11): the key is the
   * `usageIdentifierKey` the authorizer answers (API key source `AUTHORIZER`), never a header the
   * client sends. Only in `jwt` and `cognito` modes. @default false
   */
  readonly apiKeyRequired?: boolean;
}

/** Largest authorizer result TTL API Gateway accepts, seconds. */
export const MAX_AUTHORIZER_CACHE_TTL_SECONDS = 3600;

/**
 * Who may call the API, per `auth.mode`:
 *
 * - `jwt`: the manifest's `authorizer` function as a REQUEST Lambda authorizer on the
 *   `Authorization` header, verifying tokens of the configured issuer / audience / JWKS;
 * - `cognito`: a user pool (created, or imported by id) with a resource server whose scopes are
 *   exactly the route table's, an app client with the client-credentials grant (agents), a hosted
 *   domain for the token endpoint, and the same authorizer checking the pool's access tokens
 *   (`client_id` among the app clients, `token_use: access`, scopes `<resource-server>/<scope>`);
 * - `iam`: SigV4 on every non-public method, and one managed policy per scope granting
 *   `execute-api:Invoke` on exactly that scope's methods ({@link addScopePolicies});
 * - `none`: every method open; cdk-nag then reports APIG4 / COG4 on each non-public method.
 *
 * Public routes (`public: true`) stay open in every mode. {@link methodAuthorization} is what the
 * {@link HttpApi} applies to each method (fallbacks included).
 *
 * @throws {Error} in `iam` mode when a route needs more than one scope (IAM policies grant per scope,
 *   so "all of them" cannot be expressed)
 */
export class ApiAuthorization extends Construct {
  /** The Lambda authorizer's function (`jwt`, `cognito`). */
  readonly authorizerFunction?: NodeFunction;
  /** The REQUEST authorizer (`jwt`, `cognito`). */
  readonly authorizer?: RequestAuthorizer;
  /** The user pool (`cognito`), created or imported. */
  readonly userPool?: IUserPool;
  /** The agents' app client, client-credentials grant with every scope (`cognito`). */
  readonly agentClient?: UserPoolClient;
  /** Every agent app client by its name (`cognito`; `agentClient` is the first): their ids are known at synth. */
  readonly agentClients: Readonly<Record<string, UserPoolClient>> = {};
  /** The hosted domain serving `/oauth2/token` (`cognito`, unless an imported pool has no prefix given). */
  readonly userPoolDomain?: UserPoolDomain;
  /** One managed policy per scope (`iam`), granting exactly its methods once {@link addScopePolicies} ran. */
  readonly scopePolicies: Readonly<Record<string, ManagedPolicy>> = {};
  /** What the HTTP API applies to each method. */
  readonly methodAuthorization: MethodAuthorization;
  /**
   * What the API description needs to declare the token endpoint (`cognito`): AUTH_TOKEN_URL and
   * AUTH_SCOPE_PREFIX for the system function. Empty in the other modes.
   */
  readonly documentEnvironment: Readonly<Record<string, string>> = {};

  constructor(scope: Construct, id: string, props: ApiAuthorizationProps) {
    super(scope, id);
    const { auth } = props;
    const scopes = scopesOf(props.routes);
    if (auth.mode === 'iam') {
      const multi = props.routes.find((route) => !route.public && route.scopes.length !== 1);
      if (multi) {
        throw new Error(
          `authMode iam: ${multi.method} ${multi.path} needs ${multi.scopes.length} scopes (${multi.scopes.join(', ')}); IAM policies grant per scope, so every non-public route must need exactly one`,
        );
      }
    }
    if (auth.mode === 'jwt' || auth.mode === 'cognito') {
      const cacheTtl = props.bindClientCertificate ? Duration.seconds(0) : auth.cacheTtl;
      const environment: Record<string, string> = {
        AUTH_CACHE_TTL_SECONDS: String(cacheTtl.toSeconds()),
        ...(props.bindClientCertificate && { AUTH_BIND_CLIENT_CERTIFICATE: 'true' }),
        ...(auth.algorithms && { AUTH_ALGORITHMS: auth.algorithms.join(',') }),
        ...(auth.tenantClaim && { AUTH_TENANT_CLAIM: auth.tenantClaim }),
      };
      if (auth.mode === 'jwt') {
        Object.assign(environment, {
          AUTH_ISSUER: auth.issuer,
          AUTH_AUDIENCE: auth.audience.join(','),
          AUTH_JWKS_URL: auth.jwksUrl,
        });
      } else {
        Object.assign(
          environment,
          this.createCognito(auth, scopes, props.stageName ?? 'dev', props.deletionProtection ?? true),
        );
      }
      this.authorizerFunction = createManifestFunction(this, 'Authorizer', 'authorizer', props.resources, {
        logRetention: props.logRetention,
        environment,
      });
      this.authorizer = new RequestAuthorizer(this, 'RequestAuthorizer', {
        handler: this.authorizerFunction.function,
        identitySources: [IdentitySource.header('Authorization')],
        resultsCacheTtl: cacheTtl,
      });
    }
    const authorizer = this.authorizer;
    if (props.apiKeyRequired && !authorizer) {
      throw new Error(
        `authMode ${auth.mode}: API keys (usage plans) need the Lambda authorizer of the jwt or cognito mode`,
      );
    }
    const protectedOptions: MethodOptions =
      auth.mode === 'iam'
        ? { authorizationType: AuthorizationType.IAM }
        : authorizer
          ? {
              authorizer,
              authorizationType: AuthorizationType.CUSTOM,
              ...(props.apiKeyRequired && { apiKeyRequired: true }),
            }
          : { authorizationType: AuthorizationType.NONE };
    this.methodAuthorization = {
      scheme: auth.mode === 'iam' ? 'sigv4' : auth.mode === 'none' ? 'none' : 'bearer',
      methodOptions: (route) => (route?.public ? { authorizationType: AuthorizationType.NONE } : protectedOptions),
      ...(auth.mode !== 'none' && {
        protectedMethodReason:
          auth.mode === 'iam'
            ? 'Callers sign with SigV4 (AuthorizationType IAM); the per-scope managed policies decide which methods an identity may invoke.'
            : 'A REQUEST Lambda authorizer verifies the bearer token (jose: issuer, audience or Cognito client, algorithm allowlist) and answers with a policy of exactly the routes its scopes allow; a Cognito authorizer cannot check per-route scopes of a cached answer.',
      }),
    };
  }

  /**
   * `iam` mode: one managed policy per scope granting `execute-api:Invoke` on exactly the methods of
   * the routes that need it — the same ARNs the Lambda authorizer allows (`routeArns`: GET with HEAD,
   * `{param}` as `*`). Attach them to the agents' roles. No-op in the other modes.
   *
   * @param api - the REST API whose methods the policies name
   * @param stageName - its deployment stage
   */
  addScopePolicies(api: RestApi, stageName: string, routes: readonly ScopedRoute[]): void {
    const policies = this.scopePolicies as Record<string, ManagedPolicy>;
    const parts: MethodArn = {
      partition: Aws.PARTITION,
      region: Aws.REGION,
      accountId: Aws.ACCOUNT_ID,
      apiId: api.restApiId,
      stage: stageName,
      method: '*',
      resourcePath: '/*',
    };
    for (const name of scopesOf(routes)) {
      const arns = routes
        .filter((route) => !route.public && route.scopes.includes(name))
        .flatMap((route) => routeArns(route, parts));
      const policy = new ManagedPolicy(this, `ScopePolicy${pascal(name)}`, {
        description: `Agent Integration Framework: invoke the routes that need the scope ${name}`,
        statements: [new PolicyStatement({ actions: ['execute-api:Invoke'], resources: arns })],
      });
      for (const arn of arns.filter((a) => a.includes('*'))) {
        acknowledgeWildcardResource(
          policy,
          arn,
          `The * stands for a path parameter of a route that needs ${name} (route table): that route, any resource id.`,
        );
      }
      policies[name] = policy;
      new CfnOutput(Stack.of(this), `ScopePolicy${pascal(name)}Arn`, {
        description: `Managed policy granting the routes of the scope ${name} (attach it to an agent's role)`,
        value: policy.managedPolicyArn,
      });
    }
  }

  private createCognito(
    auth: Extract<AuthSettings, { mode: 'cognito' }>,
    scopes: readonly string[],
    stageName: string,
    deletionProtection: boolean,
  ): Record<string, string> {
    const pool = auth.userPoolId
      ? UserPool.fromUserPoolId(this, 'UserPool', auth.userPoolId)
      : new UserPool(this, 'UserPool', {
          // Machines only: agents use the client-credentials grant; no one signs up or signs in.
          selfSignUpEnabled: false,
          signInAliases: { username: true },
          accountRecovery: AccountRecovery.NONE,
          mfa: Mfa.REQUIRED,
          mfaSecondFactor: { otp: true, sms: false },
          passwordPolicy: {
            minLength: 14,
            requireDigits: true,
            requireLowercase: true,
            requireUppercase: true,
            requireSymbols: true,
            tempPasswordValidity: Duration.days(1),
          },
          featurePlan: FeaturePlan.ESSENTIALS,
          deletionProtection,
          removalPolicy: RemovalPolicy.RETAIN,
        });
    if (pool instanceof UserPool) {
      Validations.of(pool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason:
          'The pool serves machine clients only (client-credentials grant, no users, self sign-up off); threat protection (Plus tier) analyses user sign-ins, which this pool never has. The deploying team may switch the plan on if they add users.',
      });
    }
    (this as { userPool?: IUserPool }).userPool = pool;
    const resourceServer = pool.addResourceServer('ResourceServer', {
      identifier: auth.resourceServerId,
      userPoolResourceServerName: 'Agent Integration Framework API',
      scopes: scopes.map(
        (scopeName) =>
          new ResourceServerScope({ scopeName, scopeDescription: `The routes that need ${scopeName} (route table)` }),
      ),
    });
    const clients = this.createAgentClients(pool, resourceServer, auth.agentClients ?? [{ name: 'agents' }], scopes);
    (this as { agentClients: Record<string, UserPoolClient> }).agentClients = clients;
    const domainPrefix =
      auth.domainPrefix ?? (auth.userPoolId ? undefined : `aif-${stageName.toLowerCase()}-${Aws.ACCOUNT_ID}`);
    if (domainPrefix) {
      (this as { userPoolDomain?: UserPoolDomain }).userPoolDomain = pool.addDomain('Domain', {
        cognitoDomain: { domainPrefix },
      });
    }
    const stack = Stack.of(this);
    const issuer = `https://cognito-idp.${stack.region}.${stack.urlSuffix}/${pool.userPoolId}`;
    new CfnOutput(stack, 'UserPoolId', { description: 'Cognito user pool of the API', value: pool.userPoolId });
    for (const [name, client] of Object.entries(clients)) {
      const first = client === this.agentClient;
      new CfnOutput(stack, first ? 'AgentClientId' : `AgentClientId${toOutputId(name)}`, {
        description: `The app client aif-${name} (client-credentials grant, its own tenant); its secret is in the Cognito console`,
        value: client.userPoolClientId,
      });
    }
    const documentEnvironment = this.documentEnvironment as Record<string, string>;
    documentEnvironment.AUTH_SCOPE_PREFIX = `${auth.resourceServerId}/`;
    if (this.userPoolDomain) {
      const tokenUrl = `${this.userPoolDomain.baseUrl()}/oauth2/token`;
      new CfnOutput(stack, 'TokenUrl', {
        description: 'OAuth 2.0 token endpoint: POST grant_type=client_credentials with the client id and secret',
        value: tokenUrl,
      });
      documentEnvironment.AUTH_TOKEN_URL = tokenUrl;
    }
    return {
      AUTH_ISSUER: issuer,
      AUTH_JWKS_URL: `${issuer}/.well-known/jwks.json`,
      AUTH_COGNITO_CLIENT_IDS: Object.values(clients)
        .map((client) => client.userPoolClientId)
        .join(','),
      AUTH_SCOPE_PREFIX: `${auth.resourceServerId}/`,
    };
  }

  /**
   * One app client per agent client setting, client-credentials grant only, with a secret and the
   * scopes it names (all by default); the first is {@link agentClient} (construct id `AgentClient`).
   *
   * @throws {Error} when a client names a scope the route table does not have
   */
  private createAgentClients(
    pool: IUserPool,
    resourceServer: UserPoolResourceServer,
    settings: ReadonlyArray<AgentClientSettings>,
    scopes: readonly string[],
  ): Record<string, UserPoolClient> {
    const clients: Record<string, UserPoolClient> = {};
    settings.forEach((setting, index) => {
      const unknown = (setting.scopes ?? []).filter((scope) => !scopes.includes(scope));
      if (unknown.length > 0) {
        throw new Error(
          `authAgentClients: client "${setting.name}" names scopes the route table does not have: ${unknown.join(', ')}`,
        );
      }
      const client = pool.addClient(index === 0 ? 'AgentClient' : `AgentClient-${setting.name}`, {
        userPoolClientName: `aif-${setting.name}`,
        generateSecret: true,
        authFlows: {},
        oAuth: {
          flows: { clientCredentials: true },
          scopes: (setting.scopes ?? scopes).map((scopeName) =>
            OAuthScope.resourceServer(
              resourceServer,
              new ResourceServerScope({ scopeName, scopeDescription: scopeName }),
            ),
          ),
        },
        accessTokenValidity: Duration.hours(1),
        enableTokenRevocation: true,
        preventUserExistenceErrors: true,
      });
      if (index === 0) (this as { agentClient?: UserPoolClient }).agentClient = client;
      clients[setting.name] = client;
    });
    return clients;
  }
}

/**
 * The scopes of the route table's non-public routes, sorted, each once: the Cognito resource
 * server's scopes and the IAM policies.
 */
export function scopesOf(routes: readonly ScopedRoute[]): string[] {
  return [...new Set(routes.filter((route) => !route.public).flatMap((route) => route.scopes))].sort();
}

function pascal(scope: string): string {
  return scope.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_m, _s, c: string) => c.toUpperCase());
}

/** A CloudFormation output id part for a client name: alphanumerics only (`planner-2` → `Planner2`). */
function toOutputId(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
