/**
 * The one catalogue of error codes. HTTP responses (problem+json), socket acks (`{ ok: false, code }`)
 * and Lua script results all speak these codes. docs/errors.md mirrors this table; a test keeps
 * them in step.
 */
export const ERRORS = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  invalid_json: { status: 400, title: 'The body is not valid JSON' },
  unauthorized: { status: 401, title: 'Missing or invalid credentials' },
  forbidden: { status: 403, title: 'Not allowed for this account' },
  not_found: { status: 404, title: 'Not found' },
  route_not_found: { status: 404, title: 'No such endpoint' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'The resource changed; retry' },
  external_id_taken: { status: 409, title: 'An order with this external_id already exists' },
  invalid_transition: { status: 409, title: 'The order cannot move to that status now' },
  order_not_cancelable: { status: 409, title: 'The order can no longer be canceled' },
  offer_closed: { status: 409, title: 'The offer is no longer open' },
  offer_expired: { status: 409, title: 'The offer has expired' },
  offer_taken: { status: 409, title: 'Another courier took this job' },
  courier_unavailable: { status: 409, title: 'The courier cannot take this job now' },
  stale_fence: { status: 409, title: 'A newer dispatcher holds this region' },
  request_timeout: { status: 408, title: 'The request took too long to arrive' },
  payload_too_large: { status: 413, title: 'The body is too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  headers_too_large: { status: 431, title: 'The request headers are too large' },
  idempotency_key_reused: { status: 422, title: 'The Idempotency-Key was used with a different body' },
  quote_expired: { status: 422, title: 'The quote has expired' },
  quote_mismatch: { status: 422, title: 'The quote does not match this order' },
  outside_service_area: { status: 422, title: 'The address is outside the service area' },
  wrong_pin: { status: 422, title: 'The handoff PIN is wrong' },
  webhook_not_configured: { status: 422, title: 'No webhook URL is configured' },
  webhook_url_not_allowed: { status: 422, title: 'Webhooks cannot be sent to this URL' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  dependency_unavailable: { status: 503, title: 'A dependency is unavailable; retry later' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface FieldError {
  /** JSON pointer into the request part, prefixed by the part: `/body/pickup/lat`. */
  field: string;
  message: string;
}

/** The one error class of the domain: a catalogue code plus optional detail for the caller. */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: readonly FieldError[] | undefined;
  /** Seconds the client should wait before retrying (429, 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    options: {
      detail?: string;
      errors?: readonly FieldError[];
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    const entry = ERRORS[code];
    super(options.detail ?? entry.title, { cause: options.cause });
    this.name = 'DomainError';
    this.code = code;
    this.status = entry.status;
    this.title = entry.title;
    this.detail = options.detail;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERRORS, value);
}
