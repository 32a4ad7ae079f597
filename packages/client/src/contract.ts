/**
 * The contract alone: wire types, IoT Hub error codes and id rules, without the API client or SAS signing. The
 * Functions app loads this entry point at run time (and ships the package in its deployment).
 */
export * from './error-codes';
export * from './id-rules';
export * from './wire-types';
