import { app } from '@azure/functions';
import { composition } from '../../shared/composition';
import { iothubHandler, jsonResponse, type WireResponse } from '../../shared/http';
import { REGISTRY_JOB_RIGHTS, registryJobsFor } from './registry-jobs-service-for';

/** `GET /jobs`: every import/export job, newest first (a bare array, as IoT Hub answers `listJobs`). */
async function listRegistryJobs(): Promise<WireResponse> {
  return jsonResponse(200, await (await registryJobsFor()).list());
}

app.http('registryJobsList', {
  methods: ['GET'],
  route: 'jobs',
  authLevel: 'anonymous',
  handler: iothubHandler({
    rights: REGISTRY_JOB_RIGHTS.read,
    authorizer: composition.authorizer,
    handle: listRegistryJobs,
  }),
});
