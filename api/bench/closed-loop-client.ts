import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * A closed-loop HTTP/1.1 load generator for the api bench: `connections` keep-alive sockets, each
 * sending its next request as soon as the previous answer is complete.
 *
 * Why not autocannon for capacity: the bench runs client and servers on the same 2 cores, so
 * every microsecond the client spends is taken from the servers. autocannon rebuilds a request
 * with a fresh body from an options object (several copies, a deep clone of its context) and
 * parses answers with a JavaScript HTTP parser: ~0.07 ms of CPU per create, against ~0.03 per
 * hello-world, a second core's share that creates (api + Postgres, two processes) would use and the
 * hello-world (one process, bound by its own core) would not. This client writes each request as
 * one latin1 string and only reads the status line and `content-length` of each answer. Both
 * sides of the ratio use it; autocannon still paces the latency runs and gives a cross-check.
 */
export interface ClosedLoopOptions {
  /** `http://host:port` */
  url: string;
  connections: number;
  seconds: number;
  /** The whole request (head and body) for the next send, as a latin1 string. */
  nextRequest: () => string;
}

export interface ClosedLoopResult {
  /** Answers completed within the window. */
  completed: number;
  /** completed ÷ seconds */
  rate: number;
  /** Answers by status code. */
  statuses: Record<number, number>;
  /** Connection errors and closes while a request was outstanding. */
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** Runs the load; rejects when a connection cannot be opened or an answer cannot be read. */
export async function closedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const { hostname, port } = new URL(options.url);
  const sockets = await Promise.all(
    Array.from({ length: options.connections }, () => open(hostname, Number(port))),
  );
  const statuses: Record<number, number> = {};
  const latencies: number[] = [];
  let errors = 0;
  let failure: Error | undefined;
  const start = performance.now();
  const deadline = start + options.seconds * 1000;
  let openSockets = sockets.length;

  await new Promise<void>((resolve) => {
    for (const socket of sockets) {
      let closed = false;
      const finished = () => {
        if (closed) return;
        closed = true;
        socket.destroy();
        if (--openSockets === 0) resolve();
      };
      let head: Buffer | null = null;
      let bodyLeft = -1;
      let status = 0;
      let sentAt = 0;
      let pending = false;
      const send = () => {
        if (performance.now() >= deadline || failure) return finished();
        sentAt = performance.now();
        pending = true;
        socket.write(options.nextRequest(), 'latin1');
      };
      const answered = () => {
        const now = performance.now();
        pending = false;
        if (now <= deadline) {
          statuses[status] = (statuses[status] ?? 0) + 1;
          latencies.push(now - sentAt);
        }
        head = null;
        bodyLeft = -1;
        send();
      };
      socket.on('data', (chunk: Buffer) => {
        let data = chunk;
        while (data.length > 0) {
          if (bodyLeft < 0) {
            head = head ? Buffer.concat([head, data]) : data;
            const end = head.indexOf(HEAD_END);
            if (end < 0) return;
            const text = head.toString('latin1', 0, end);
            status = Number(text.slice(9, 12));
            const length = /\r\ncontent-length: *(\d+)/i.exec(text);
            if (!length) {
              failure = new Error(`answer without content-length (status ${status}): ${text.slice(0, 200)}`);
              return finished();
            }
            bodyLeft = Number(length[1]);
            data = head.subarray(end + 4);
            head = null;
          }
          const take = Math.min(bodyLeft, data.length);
          bodyLeft -= take;
          data = data.subarray(take);
          if (bodyLeft === 0) {
            if (data.length > 0) {
              failure = new Error('more bytes than one answer: pipelining is not used here');
              return finished();
            }
            answered();
          }
        }
      });
      const lost = () => {
        if (pending) errors++;
        pending = false;
        finished();
      };
      socket.once('error', lost);
      socket.once('close', lost);
      send();
    }
  });
  if (failure) throw failure;
  const seconds = options.seconds;
  const completed = latencies.length;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(completed - 1, Math.floor(q * completed))] ?? 0;
  return { completed, rate: completed / seconds, statuses, errors, p50Ms: at(0.5), p99Ms: at(0.99) };
}

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** The same request every time (the hello-world). */
export function fixedRequest(url: string, path: string): () => string {
  const { host } = new URL(url);
  const request = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`;
  return () => request;
}
