import * as v from 'valibot';

/** The body of `POST /devices/query`: the query text (IoT Hub's query language, parsed afterwards). */
export const DevicesQueryBodySchema = v.object({ query: v.string() });

/** What the service answers for any other body: the shape it wants, as a whole. */
export const DEVICES_QUERY_BODY_RULE = 'The body must be {"query": "<query text>"}.';
