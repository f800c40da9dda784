import { awsFunctionBase } from '../wiring';
import { awsSystemHandler } from './wiring';

export { createSystemHandler } from './app';

/** Lambda entry point of the system function: dependencies built once per cold start. */
export const handler = awsSystemHandler(awsFunctionBase('system'));
