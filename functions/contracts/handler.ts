import { awsFunctionBase } from '../wiring';
import { awsContractsHandler } from './wiring';

export { createContractsHandler } from './app';

/** Lambda entry point of the contracts function: dependencies built once per cold start. */
export const handler = awsContractsHandler(awsFunctionBase('contracts'));
