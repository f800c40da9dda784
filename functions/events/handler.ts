import { awsFunctionBase } from '../wiring';
import { awsEventsHandler } from './wiring';

export { createEventsHandler } from './app';

/** Lambda entry point of the events function: dependencies built once per cold start. */
export const handler = awsEventsHandler(awsFunctionBase('events'));
