import type { FieldProblem } from '../../errors';
import type { JsonSchema } from '../contract';
import type { OpenApiDialect } from './dialect';

/** The state of one import: the document's version, problems found so far and the schemas produced. */
export type ImportContext = {
  dialect: OpenApiDialect;
  problems: FieldProblem[];
  /** Schema names already taken in `schemas`. */
  used: Set<string>;
  schemas: Record<string, JsonSchema>;
  /** Where each endpoint and schema came from, to point problems found later at the document. */
  sources: { endpoints: string[]; schemas: Record<string, string> };
  /** Swagger 2.0's document-wide `consumes` and `produces` (operations may override them); empty for 3.x. */
  swagger2Media: { consumes: unknown; produces: unknown };
};

/** The contract's `errorCodes`, filled while the operations are imported. */
export type ErrorCodes = Record<string, { message: string; description: string }>;
