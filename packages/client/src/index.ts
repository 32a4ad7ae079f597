export * from './api-client';
export * from './bulk-create';
export * from './connection-string';
export * from './error-codes';
export * from './errors';
export * from './id-rules';
export * from './sas';
export * from './wire-types';
