/** Every error the API answers is JSON `{error, detail?}` with a 4xx or 5xx status. */
import type { FastifyReply } from 'fastify';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly detail?: string,
  ) {
    super(detail ?? error);
  }
}

export function apiError(reply: FastifyReply, status: number, error: string, detail?: string) {
  return reply.code(status).send({ error, ...(detail ? { detail } : {}) });
}
