import type { AuthorizerResponse } from '../../shared/domain/auth/authorizer-policy';

/**
 * IAM's evaluation of an authorizer's policy for one concrete method ARN, as API Gateway does it:
 * `*` matches any run of characters (`/` included), an explicit Deny wins, else some Allow admits.
 *
 * @example admits(response, 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/health') // true
 */
export function admits(response: Pick<AuthorizerResponse, 'policyDocument'>, arn: string): boolean {
  const matches = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`).test(arn);
  const statements = response.policyDocument.Statement;
  if (statements.some((s) => s.Effect === 'Deny' && s.Resource.some(matches))) return false;
  return statements.some((s) => s.Effect === 'Allow' && s.Resource.some(matches));
}
