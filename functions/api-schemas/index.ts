/** Request and response shapes of the HTTP API, shared by the router and the OpenAPI document. */
export * from './common';
export * from './contracts';
export * from './errors';
export * from './events';
export * from './mesh';
export * from './problem-details';
export * from './state';
export * from './system';
export * from './transformers';
