/** Options of one test request: JSON `body`, or `rawBody` sent as is (bad JSON, binary). */
export interface HttpCallOptions {
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string | Uint8Array;
}

export interface HttpCallResult {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the answer is not JSON. */
  body: unknown;
  text: string;
}

/**
 * One request to a listening server, as tests make them: JSON unless told otherwise, and the
 * answer parsed when it is JSON (errors are problem+json, pages are not).
 */
export async function httpCall(
  baseUrl: string,
  method: string,
  path: string,
  options: HttpCallOptions = {},
): Promise<HttpCallResult> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Uint8Array | undefined = options.rawBody;
  if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}
