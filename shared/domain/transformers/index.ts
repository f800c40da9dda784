export * from './errors';
export * from './pipeline';
export * from './transformer';
