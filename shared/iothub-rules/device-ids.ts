// IoT Hub's device id rule is the contract's: one definition for the app, the tools and the device endpoint.
export { DEVICE_ID_PATTERN, DEVICE_ID_RULE, isDeviceId } from '@device-jobs/client/contract';
