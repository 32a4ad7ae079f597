import type { HttpHandler } from '@azure/functions';
import { jsonResponse, pageHeaders, readPaging } from '../../shared/http';
import { compositionEndpoint, type CompositionSource } from './http-endpoint';
import { JOB_RIGHTS, jobsReaderFor } from './jobs-service-for';

/** `GET /jobs/v2/query`: paging by the GA headers or the 2016 preview's query parameters. */
export function createJobsQueryHandler(composition: CompositionSource): HttpHandler {
  return compositionEndpoint(composition, JOB_RIGHTS.read, async (request, _context, _caller, app) => {
    const service = await jobsReaderFor(app);
    const { query, headers } = request;
    const page = await service.queryJobs({
      jobType: query.get('jobType') ?? undefined,
      jobStatus: query.get('jobStatus') ?? undefined,
      ...readPaging(headers, query),
    });
    return jsonResponse(200, page.items, pageHeaders('JobResponse', page.continuationToken));
  });
}
