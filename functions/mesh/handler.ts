import { awsFunctionBase } from '../wiring';
import { awsMeshHandler } from './wiring';

export { createMeshHandler } from './app';

/** Lambda entry point of the mesh function: dependencies built once per cold start. */
export const handler = awsMeshHandler(awsFunctionBase('mesh'));
