import { awsFunctionBase } from '../wiring';
import { awsHealthCheckHandler } from './wiring';

export { createHealthCheckHandler } from './app';

/** Lambda entry point of the health-check function: dependencies built once per cold start. */
export const handler = awsHealthCheckHandler(awsFunctionBase('health-check'));
