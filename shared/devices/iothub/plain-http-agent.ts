import https from 'node:https';
import net from 'node:net';

/**
 * Tests and local hubs only: an agent that the azure-iothub SDK accepts as its HTTPS agent but that opens plain
 * TCP connections to 127.0.0.1:<port>, because the SDK always dials https on port 443 and its HostName cannot
 * carry a port. Install it with `client._restApiClient.setOptions({ http: { agent } })`.
 */
export class PlainHttpAgent extends https.Agent {
  constructor(private readonly port: number) {
    super({ keepAlive: true });
  }

  // Returning the socket is enough: the agent ignores the callback once a socket was returned.
  override createConnection(): net.Socket {
    return net.connect({ host: '127.0.0.1', port: this.port });
  }
}

/** The SDK's internal REST client, which takes the agent (JobClient, Registry and Client all hold one). */
interface WithRestClient {
  _restApiClient?: { setOptions(options: { http: { agent: https.Agent } }): void };
}

/** Routes an SDK client's requests over plain HTTP to a local port. */
export function usePlainHttp(client: object, port: number): PlainHttpAgent {
  const agent = new PlainHttpAgent(port);
  const rest = (client as WithRestClient)._restApiClient;
  if (!rest) throw new Error('This azure-iothub client has no REST client to configure.');
  rest.setOptions({ http: { agent } });
  return agent;
}
