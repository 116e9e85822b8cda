import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

export interface RawReply {
  status: number;
  contentType: string;
  text: string;
}

/**
 * One HTTP request through node:http rather than fetch, which refuses some of what a fuzzer must
 * send (a body on GET, odd methods). Resolves with what the server answered.
 */
export function sendRaw(
  baseUrl: string,
  req: { method: string; path: string; headers: Record<string, string>; body?: string | Buffer },
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    const r = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        agent,
        headers: { ...req.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.setTimeout(15_000, () => r.destroy(new Error(`no answer in 15 s: ${req.method} ${req.path}`)));
    r.end(body);
  });
}
