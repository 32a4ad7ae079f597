export * from './etag';
export * from './iothub-errors';
export * from './iothub-handler';
export * from './json-body';
export * from './paging';
export * from './sas-authorizer';
export * from './wire-format';
