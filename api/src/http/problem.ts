import type { Socket } from 'node:net';
import { DomainError, ERRORS, type ErrorCode, type FieldError, type Problem } from '@o2o/domain';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import { fieldErrorsFromAjv } from './validation.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Fastify's own client errors, by code, mapped to the catalogue. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
};

/** Anything thrown by a route or plugin, as a DomainError of the catalogue. */
export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  const err = error as Partial<FastifyError> & { validation?: unknown; validationContext?: string };
  if (Array.isArray(err.validation)) {
    const part = err.validationContext ?? 'body';
    return new DomainError('validation_failed', {
      detail: `The ${part} is not valid`,
      errors: fieldErrorsFromAjv(err.validation, part),
    });
  }
  const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (mapped) return new DomainError(mapped, { detail: err.message });
  if (err.code === 'ECONNREFUSED' || isDependencyError(error)) {
    return new DomainError('dependency_unavailable', { retryAfterSeconds: 5, cause: error });
  }
  const status = err.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code: ErrorCode =
      status === 404 ? 'not_found' : status === 429 ? 'rate_limited' : 'validation_failed';
    return new DomainError(code, { detail: err.message });
  }
  return new DomainError('internal', { cause: error });
}

/** Postgres or Redis down, or a connection lost mid-request: the client should retry. */
function isDependencyError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // ioredis gives up on a command after its retries while Redis is unreachable or restarting.
  if (error.name === 'MaxRetriesPerRequestError') return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // 57P01..03: admin shutdown / crash shutdown / cannot connect now; 08xxx: connection exceptions;
    // 53xxx: insufficient resources (too many connections, out of memory, disk full), which pass.
    if (
      code.startsWith('08') ||
      code.startsWith('53') ||
      code === '57P01' ||
      code === '57P02' ||
      code === '57P03'
    )
      return true;
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') return true;
  }
  const msg = error.message;
  return (
    msg.includes('Connection terminated') ||
    // pg's answer on a client whose connection was lost earlier in the same transaction.
    msg.includes('is not queryable') ||
    msg.includes('connect ECONNREFUSED') ||
    msg.includes("Stream isn't writeable") ||
    msg.includes('Connection is closed') ||
    msg.includes('timeout exceeded when trying to connect')
  );
}

export function problemBody(error: DomainError, request: FastifyRequest): Problem {
  const body: Problem = {
    type: `https://o2o-dispatch.dev/errors/${error.code}`,
    title: error.title,
    status: error.status,
    code: error.code,
    instance: request.url,
    requestId: request.id,
  };
  // 5xx bodies say nothing internal: the log has the error.
  if (error.status < 500 && error.detail !== undefined) body.detail = error.detail;
  if (error.errors !== undefined) body.errors = error.errors as FieldError[];
  return body;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: DomainError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.status(error.status).type(PROBLEM_CONTENT_TYPE).send(problemBody(error, request));
}

/** The one place that writes problem+json: every error and every unknown route comes here. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const domainError = toDomainError(error);
    if (domainError.status >= 500) {
      request.log.error({ err: error, code: domainError.code }, 'request failed');
    } else {
      request.log.info({ code: domainError.code, status: domainError.status }, 'request refused');
    }
    return sendProblem(reply, request, domainError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      new DomainError('route_not_found', { detail: `${request.method} ${request.url}` }),
    ),
  );
}

export { ERRORS };

/**
 * Server options that route what fastify and Node refuse before any route runs through the same
 * problem+json: a URL that does not decode or a path parameter over fastify's length limit (400),
 * and a request the HTTP parser rejects (headers over Node's 16 KiB: 431; anything else: 400;
 * a request timeout: 408), answered on the raw socket, which is then closed.
 */
export function problemServerOptions(): Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'> {
  return {
    frameworkErrors: (error, request, reply) =>
      sendProblem(reply, request, new DomainError('validation_failed', { detail: error.message })),
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
      const code: ErrorCode =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? 'headers_too_large'
          : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? 'request_timeout'
            : 'validation_failed';
      const { status, title } = ERRORS[code];
      const body = JSON.stringify({ type: `https://o2o-dispatch.dev/errors/${code}`, title, status, code });
      socket.end(
        `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  };
}
