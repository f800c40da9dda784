import { awsFunctionBase } from '../wiring';
import { awsErrorsHandler } from './wiring';

export { createErrorsHandler } from './app';

/** Lambda entry point of the errors function: dependencies built once per cold start. */
export const handler = awsErrorsHandler(awsFunctionBase('errors'));
