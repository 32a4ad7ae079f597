import http from 'node:http';
import {
  CONTROL_PATHS,
  CONTROL_SECRET_HEADER,
  type ControlAnswerLine,
  type ControlCall,
} from './endpoint-control';
import type { EndpointAnnouncement } from './ports';

/** What one control call answered: its HTTP-like status and JSON body. */
export interface ControlAnswer {
  status: number;
  body: unknown;
}

/** A batch is sent at this many calls or bytes even within one turn (the endpoint reads at most 4 MB a body). */
const MAX_BATCH_CALLS = 500;
const MAX_BATCH_BYTES = 1024 * 1024;

interface QueuedCall {
  json: string;
  timeoutMs: number;
  resolve: (answer: ControlAnswer) => void;
  reject: (error: Error) => void;
}

/**
 * The calls of one app host to one device endpoint: every call made in one turn of the event loop goes in one
 * `POST /calls` (endpoint-control.ts), whose streamed answer settles each call as its line arrives. A job starts
 * its devices' calls in bursts (its window refills as answers arrive in bursts), so a batch carries many calls.
 */
export class ControlBatcher {
  private queue: QueuedCall[] = [];
  private queuedBytes = 0;
  private flushScheduled = false;

  constructor(
    private readonly endpoint: EndpointAnnouncement,
    private readonly agent: http.Agent,
  ) {}

  /**
   * Sends `call` with the next batch. Rejects when the endpoint cannot be reached or no answer to the call came
   * within `timeoutMs` of silence on the batch's connection.
   */
  call(call: ControlCall, timeoutMs: number): Promise<ControlAnswer> {
    const json = JSON.stringify(call);
    return new Promise((resolve, reject) => {
      this.queue.push({ json, timeoutMs, resolve, reject });
      this.queuedBytes += json.length;
      if (this.queue.length >= MAX_BATCH_CALLS || this.queuedBytes >= MAX_BATCH_BYTES) {
        this.flush();
      } else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.queuedBytes = 0;
    this.send(batch);
  }

  private send(batch: QueuedCall[]): void {
    const payload = `{"calls":[${batch.map((queued) => queued.json).join(',')}]}`;
    const timeoutMs = Math.max(...batch.map((queued) => queued.timeoutMs));
    const open = new Set(batch.keys());
    const settle = (index: number, answer: ControlAnswer) => {
      if (!open.delete(index)) return;
      batch[index]?.resolve(answer);
    };
    const failRest = (error: Error) => {
      for (const index of open) batch[index]?.reject(error);
      open.clear();
    };
    const request = http.request(
      `${this.endpoint.controlUrl}${CONTROL_PATHS.calls}`,
      {
        method: 'POST',
        agent: this.agent,
        timeout: timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          [CONTROL_SECRET_HEADER]: this.endpoint.secret,
        },
      },
      (response) => {
        response.setEncoding('utf8');
        if (response.statusCode !== 200) {
          // The whole batch was refused (bad secret, unreadable body): every call gets that answer.
          let text = '';
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            const answer = { status: response.statusCode ?? 0, body: parseOrText(text) };
            for (const index of open) settle(index, answer);
          });
        } else {
          let partial = '';
          response.on('data', (chunk: string) => {
            const lines = (partial + chunk).split('\n');
            partial = lines.pop() ?? '';
            try {
              for (const line of lines) {
                if (line === '') continue;
                const { index, status, body } = JSON.parse(line) as ControlAnswerLine;
                settle(index, { status, body });
              }
            } catch {
              failRest(new Error('The device endpoint answered a batch with a line that is not JSON.'));
              request.destroy();
            }
          });
          response.on('end', () => failRest(new Error('The device endpoint ended a batch unanswered.')));
        }
        response.on('error', failRest);
        response.on('close', () => failRest(new Error('The device endpoint closed a batch unanswered.')));
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`No answer from the device endpoint in ${timeoutMs} ms.`)),
    );
    request.on('error', failRest);
    request.end(payload);
  }
}

function parseOrText(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { errorCode: 'ServerError', message: text };
  }
}
