import { describe, expect, it } from 'vitest';
import {
  ContractDocumentSchema,
  danglingSchemaReferences,
  errorSchemasAsRecords,
} from '../../../../../shared/domain/contracts/contract';

/** The seed's contract test fixture, as far as the document's shape goes. */
const seedEndpoint = {
  path: '/agents',
  method: 'POST',
  description: 'Create a new agent',
  requestSchema: 'CreateAgentRequest',
  responseSchema: 'AgentResponse',
  errorSchemas: ['ValidationError', 'AuthError'],
  timeout: 5000,
};

describe('ContractDocumentSchema', () => {
  describe('parse', () => {
    it('accepts errorSchemas as a list of schema names beside the record form', () => {
      // Prepare
      const listed = { name: 'agent-api', version: '1.0.0', endpoints: [seedEndpoint] };
      const recorded = { ...listed, endpoints: [{ ...seedEndpoint, errorSchemas: { '4XX': 'ValidationError' } }] };

      // Act
      const fromList = ContractDocumentSchema.safeParse(listed);
      const fromRecord = ContractDocumentSchema.safeParse(recorded);

      // Assess
      expect(fromList.success && fromList.data.endpoints[0]?.errorSchemas).toEqual(['ValidationError', 'AuthError']);
      expect(fromRecord.success && fromRecord.data.endpoints[0]?.errorSchemas).toEqual({ '4XX': 'ValidationError' });
    });

    it('accepts endpoints that name schemas the document does not define', () => {
      // Prepare
      const doc = { name: 'agent-api', version: '1.0.0', endpoints: [seedEndpoint], schemas: {} };

      // Act
      const parsed = ContractDocumentSchema.safeParse(doc);

      // Assess
      expect(parsed.success).toBe(true);
    });

    it('rejects a list-form errorSchemas holding an empty name', () => {
      // Prepare
      const doc = { name: 'a', version: '1.0.0', endpoints: [{ ...seedEndpoint, errorSchemas: ['ok', ''] }] };

      // Act
      const parsed = ContractDocumentSchema.safeParse(doc);

      // Assess
      expect(parsed.success).toBe(false);
    });
  });
});

describe('danglingSchemaReferences', () => {
  it('names every schema reference the document does not define, with its pointer', () => {
    // Prepare
    const doc = ContractDocumentSchema.parse({
      name: 'agent-api',
      version: '1.0.0',
      endpoints: [seedEndpoint, { path: '/x', method: 'GET', errorSchemas: { '4XX': 'Missing', '5XX': 'Defined' } }],
      schemas: { CreateAgentRequest: { type: 'object' }, Defined: true },
    });

    // Act
    const warnings = danglingSchemaReferences(doc);

    // Assess
    expect(warnings.map((w) => w.pointer)).toEqual([
      '/endpoints/0/responseSchema',
      '/endpoints/0/errorSchemas/0',
      '/endpoints/0/errorSchemas/1',
      '/endpoints/1/errorSchemas/4XX',
    ]);
    expect(warnings[0]?.message).toBe(
      'schema "AgentResponse" is not defined in /schemas; traffic that needs it is answered valid: false',
    );
  });

  it('returns nothing when every reference resolves', () => {
    // Prepare
    const doc = ContractDocumentSchema.parse({
      name: 'a',
      version: '1.0.0',
      endpoints: [{ path: '/a', method: 'GET', responseSchema: 'A' }],
      schemas: { A: true },
    });

    // Act
    const warnings = danglingSchemaReferences(doc);

    // Assess
    expect(warnings).toEqual([]);
  });
});

describe('errorSchemasAsRecords', () => {
  it('rewrites a list to 4XX and 5XX keys of one anyOf schema over the defined names', () => {
    // Prepare
    const doc = ContractDocumentSchema.parse({
      name: 'a',
      version: '1.0.0',
      endpoints: [{ path: '/a', method: 'GET', errorSchemas: ['A', 'Missing', 'B'] }],
      schemas: { A: { type: 'object' }, B: { type: 'string' } },
    });

    // Act
    const view = errorSchemasAsRecords(doc);

    // Assess
    expect(view.endpoints[0]?.errorSchemas).toEqual({ '4XX': 'errorSchemas(A|B)', '5XX': 'errorSchemas(A|B)' });
    expect(view.schemas['errorSchemas(A|B)']).toEqual({ anyOf: [{ $ref: '#/$defs/A' }, { $ref: '#/$defs/B' }] });
    expect(doc.endpoints[0]?.errorSchemas).toEqual(['A', 'Missing', 'B']);
  });

  it('returns a document without lists unchanged', () => {
    // Prepare
    const doc = ContractDocumentSchema.parse({
      name: 'a',
      version: '1.0.0',
      endpoints: [{ path: '/a', method: 'GET' }],
    });

    // Act
    const view = errorSchemasAsRecords(doc);

    // Assess
    expect(view).toBe(doc);
  });
});
