/** A job id (and a schedule id): 1–128 characters of `A-Z a-z 0-9 - . _ ~` (URL-safe: the SDK does not encode it). */
// `\-` escaped: the body also serves as an HTML `pattern`, which browsers compile with the `v` flag.
export const JOB_ID_PATTERN = /^[A-Za-z0-9\-._~]{1,128}$/;

export const JOB_ID_RULE = 'must be 1 to 128 characters of A-Z, a-z, 0-9, -, ., _ and ~';

export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID_PATTERN.test(value);
}

/** IoT Hub's device id rule: up to 128 ASCII letters, digits and `- . % _ * ? ! ( ) , : = @ $ '`. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9\-.%_*?!(),:=@$']{1,128}$/;

export const DEVICE_ID_RULE =
  "must be 1 to 128 characters of letters, digits and - . % _ * ? ! ( ) , : = @ $ '";

export function isDeviceId(value: unknown): value is string {
  return typeof value === 'string' && DEVICE_ID_PATTERN.test(value);
}
