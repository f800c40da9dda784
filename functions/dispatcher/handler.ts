import { awsFunctionBase } from '../wiring';
import { awsDispatcherHandler } from './wiring';

export { createDispatcherHandler, dispatchRecord, RetryScheduledError } from './app';

/** Lambda entry point of the dispatcher function: dependencies built once per cold start. */
export const handler = awsDispatcherHandler(awsFunctionBase('dispatcher'));
