import { createOpenApiHandler } from '../../../../functions/http/openapi.handler';
import { openApiDocument } from '../../../../shared/http/openapi-document';
import { answerOf } from '../../../support/in-memory-app';

describe('openApiDocument (GET /openapi.json)', () => {
  it('answers the generated OpenAPI 3.1 document as JSON without a SAS token', async () => {
    const handler = createOpenApiHandler(openApiDocument);
    const answer = await answerOf(handler, { method: 'GET', path: '/openapi.json', policy: null });
    expect(answer.status).toBe(200);
    expect(answer.headers['Content-Type'] ?? answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect(answer.body).toMatchObject({ openapi: expect.stringMatching(/^3\.1\./) as unknown });
  });

  it('builds the document once and serves the same text to later requests', async () => {
    let builds = 0;
    const handler = createOpenApiHandler(() => ({ openapi: '3.1.0', build: ++builds }));
    const first = await answerOf(handler, { method: 'GET', path: '/openapi.json', policy: null });
    const second = await answerOf(handler, { method: 'GET', path: '/openapi.json', policy: null });
    expect(builds).toBe(1);
    expect(second.body).toEqual(first.body);
  });
});
