import * as z from 'zod';
import type { RouteDefinition } from '../../shared/http/route-definition';

/** A test route that echoes any document, JSON or YAML (`formats: ['yaml']`), body validated by the operation. */
export const ECHO_DOCUMENT_ROUTE: RouteDefinition = {
  operationId: 'echoDocument',
  method: 'POST',
  path: '/v1/documents',
  function: 'test',
  summary: 'Echo a document, JSON or YAML',
  tags: [],
  scopes: [],
  formats: ['yaml'],
  request: { body: z.unknown(), bodyValidatedBy: 'operation' },
  responses: { 200: { description: 'The body' } },
};
