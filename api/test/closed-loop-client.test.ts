import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closedLoop, fixedRequest } from '../bench/closed-loop-client.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** Listens on a free local port, closed after the test; resolves with its URL. */
async function listening(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the api bench closed-loop client', () => {
  it('counts every answer by status and sends one request at a time per connection', async () => {
    let served = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    const server = createHttpServer((req, res) => {
      served++;
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      setImmediate(() => {
        inFlight--;
        const body = JSON.stringify({ n: served, path: req.url });
        res.writeHead(served % 2 === 0 ? 201 : 409, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      });
    });
    const url = await listening(server);

    const result = await closedLoop({
      url,
      connections: 3,
      seconds: 0.3,
      nextRequest: fixedRequest(url, '/x'),
    });

    expect(result.completed).toBeGreaterThan(10);
    expect(result.errors).toBe(0);
    expect((result.statuses[201] ?? 0) + (result.statuses[409] ?? 0)).toBe(result.completed);
    expect(result.statuses[201]).toBeGreaterThan(0);
    expect(result.statuses[409]).toBeGreaterThan(0);
    // Answers after the window are not counted, so the server may have served a few more.
    expect(served).toBeGreaterThanOrEqual(result.completed);
    expect(served - result.completed).toBeLessThanOrEqual(3);
    expect(mostInFlight).toBeLessThanOrEqual(3);
    expect(result.p50Ms).toBeGreaterThan(0);
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
  });

  it('reads answers that arrive in pieces, the head split anywhere', async () => {
    const answer = Buffer.from(
      'HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: keep-alive\r\n\r\nhello world',
    );
    const server = createTcpServer((socket) => {
      socket.on('data', () => {
        // Three writes with pauses, cutting through the head and the body.
        socket.write(answer.subarray(0, 7));
        setTimeout(() => socket.write(answer.subarray(7, 40)), 1);
        setTimeout(() => socket.write(answer.subarray(40)), 2);
      });
    });
    const url = await listening(server);

    const result = await closedLoop({
      url,
      connections: 2,
      seconds: 0.2,
      nextRequest: fixedRequest(url, '/'),
    });

    expect(result.completed).toBeGreaterThan(5);
    expect(result.statuses).toEqual({ 200: result.completed });
  });

  it('refuses answers it cannot measure instead of miscounting them', async () => {
    const server = createTcpServer((socket) => {
      socket.on('data', () => socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'));
    });
    const url = await listening(server);

    await expect(
      closedLoop({ url, connections: 1, seconds: 0.2, nextRequest: fixedRequest(url, '/') }),
    ).rejects.toThrow(/without content-length/);
  });
});
