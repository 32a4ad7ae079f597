import { WireError } from '../iothub-rules';

/** No import/export job with this id (IoT Hub: 404 JobNotFound). */
export class RegistryJobNotFoundError extends WireError {
  override name = 'RegistryJobNotFoundError';
  readonly code = 'JobNotFound';
  constructor(readonly jobId: string) {
    super(`Job '${jobId}' was not found.`);
  }
}

/** A `POST /jobs/create` body IoT Hub would refuse (400 ArgumentInvalid), naming the field. */
export class RegistryJobRequestError extends WireError {
  override name = 'RegistryJobRequestError';
  readonly code = 'ArgumentInvalid';
  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
  }
}

/** A container the job cannot use (IoT Hub: 400 BlobContainerValidationError). */
export class BlobContainerValidationError extends WireError {
  override name = 'BlobContainerValidationError';
  readonly code = 'BlobContainerValidationError';
  constructor(message: string) {
    super(message);
  }
}
