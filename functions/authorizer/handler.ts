import { awsAuthorizerBase, awsAuthorizerHandler } from './wiring';

export { createAuthorizerHandler } from './app';

/** Lambda entry point of the authorizer: the verifier and its JWKS built once per cold start. */
export const handler = awsAuthorizerHandler(awsAuthorizerBase());
