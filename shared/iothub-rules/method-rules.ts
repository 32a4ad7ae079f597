/** IoT Hub's direct method limits. */
export const METHOD_LIMITS = {
  nameChars: 128,
  payloadBytes: 128 * 1024,
  defaultResponseTimeout: 30,
  minResponseTimeout: 5,
  maxResponseTimeout: 300,
  defaultConnectTimeout: 0,
  maxConnectTimeout: 300,
} as const;
