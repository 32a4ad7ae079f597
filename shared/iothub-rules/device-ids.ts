/** IoT Hub's device id rule: up to 128 ASCII letters, digits and `- . % _ * ? ! ( ) , : = @ $ '`. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9\-.%_*?!(),:=@$']{1,128}$/;

export const DEVICE_ID_RULE =
  "must be 1 to 128 characters of letters, digits and - . % _ * ? ! ( ) , : = @ $ '";

export function isDeviceId(value: unknown): value is string {
  return typeof value === 'string' && DEVICE_ID_PATTERN.test(value);
}
