import type { HttpHandler } from '@azure/functions';
import { jsonResponse } from '../../shared/http';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';
import { REGISTRY_JOB_RIGHTS } from './registry-job-rights';

/** `GET /jobs`: every import/export job, newest first (a bare array, as IoT Hub answers `listJobs`). */
export function createRegistryJobsListHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(
    composition,
    REGISTRY_JOB_RIGHTS.read,
    async (_request, _context, _caller, app) => jsonResponse(200, await (await app.registryJobs()).list()),
  );
}
