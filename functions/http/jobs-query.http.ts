import { app, type HttpRequest } from '@azure/functions';
import { composition } from '../../shared/composition';
import { iothubHandler, jsonResponse, pageHeaders, readPaging, type WireResponse } from '../../shared/http';
import { JOB_RIGHTS, jobsReaderFor } from './jobs-service-for';

/** `GET /jobs/v2/query`: paging by the GA headers or the 2016 preview's query parameters. */
async function queryJobs(request: HttpRequest): Promise<WireResponse> {
  const service = await jobsReaderFor();
  const { query, headers } = request;
  const page = await service.queryJobs({
    jobType: query.get('jobType') ?? undefined,
    jobStatus: query.get('jobStatus') ?? undefined,
    ...readPaging(headers, query),
  });
  return jsonResponse(200, page.items, pageHeaders('JobResponse', page.continuationToken));
}

app.http('jobsQuery', {
  methods: ['GET'],
  route: 'jobs/v2/query',
  authLevel: 'anonymous',
  handler: iothubHandler({ rights: JOB_RIGHTS.read, authorizer: composition.authorizer, handle: queryJobs }),
});
