import type { Request } from 'express';
import type { z } from 'zod';
import type { FieldIssue } from '../../shared/protocol/errors.js';
import { AppError } from './errors.js';

export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
}

/** Validates a JSON body against its contract; the caller gets typed, normalised data or a 400/415. */
export function parseBody<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  if (req.body === undefined) {
    if (req.is('application/json') === false || !req.headers['content-type']) {
      throw new AppError('unsupported_media_type', 'Send a JSON body with Content-Type: application/json.');
    }
  }
  const result = schema.safeParse(req.body);
  if (!result.success) {
    const details = toFieldIssues(result.error);
    const summary = details.map((issue) => `${issue.path}: ${issue.message}`).join(' ');
    throw new AppError('validation_failed', `The request is invalid. ${summary}`, { details });
  }
  return result.data;
}

export function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const result = schema.safeParse(params);
  if (!result.success) {
    throw new AppError('validation_failed', 'The URL is invalid.', { details: toFieldIssues(result.error) });
  }
  return result.data;
}
