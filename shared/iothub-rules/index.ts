export * from './device-ids';
export * from './etags';
export * from './json-values';
export * from './method-rules';
export * from './paging';
export * from './twin-rules';
export * from './wire-error';
export * from './concurrency-conflict';
