import { ArnFormat, Stack } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { acknowledgeWildcardResource } from './nag';

// Secrets Manager name characters (letters, digits, / _ + = . @ -), without its IAM wildcards.
const SECRET_PREFIX_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,256}$/;

/**
 * The default name prefix of the mesh's upstream credential secrets in a stack: `aif/<stack name>/mesh/`,
 * so two stacks in one account never read each other's.
 *
 * @example upstreamSecretPrefixOf(stack) // 'aif/AifApi/mesh/'
 */
export function upstreamSecretPrefixOf(stack: Stack): string {
  return `aif/${stack.stackName}/mesh/`;
}

/**
 * Lets a function read the mesh's upstream credential secrets — and only those: sets
 * MESH_SECRET_PREFIX and grants `secretsmanager:GetSecretValue` on
 * `arn:<partition>:secretsmanager:<region>:<account>:secret:<prefix>*` (Secrets Manager appends
 * `-XXXXXX` to every secret ARN, hence the trailing wildcard). The application narrows further: a
 * tenant may reference only `<prefix><tenant>/…` (`checkSecretName`).
 *
 * @param prefix - the secret name prefix, e.g. `aif/AifApi/mesh/`
 * @returns the IAM grant
 * @throws {Error} when the prefix is empty, longer than 256 characters or holds other characters
 * @example bindUpstreamSecrets(mesh.function, upstreamSecretPrefixOf(Stack.of(this)));
 */
export function bindUpstreamSecrets(fn: LambdaFunction, prefix: string): Grant {
  if (!SECRET_PREFIX_PATTERN.test(prefix)) {
    throw new Error(`An upstream secret prefix must be 1–256 Secrets Manager name characters, got "${prefix}"`);
  }
  const secretArns = Stack.of(fn).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${prefix}*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  fn.addEnvironment('MESH_SECRET_PREFIX', prefix);
  const grant = Grant.addToPrincipal({
    grantee: fn,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: [secretArns],
  });
  acknowledgeWildcardResource(
    fn.role ?? fn,
    secretArns,
    `Service owners create their upstream credential secrets after deployment, under ${prefix}<tenant>/: GetSecretValue is granted on that stack-specific name prefix only (the trailing * also covers the random suffix Secrets Manager adds to every secret ARN).`,
  );
  return grant;
}
