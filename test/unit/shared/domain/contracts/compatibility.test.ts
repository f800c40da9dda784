import { describe, expect, it } from 'vitest';
import {
  ComparisonBudget,
  checkAgainstHistory,
  checkCompatibility,
  isSubschema,
} from '../../../../../shared/domain/contracts/compatibility';
import {
  COMPATIBILITY_MODES,
  type ContractDocument,
  type ContractDocumentInput,
  ContractDocumentSchema,
} from '../../../../../shared/domain/contracts/contract';

const OPEN_CONTENT_MESSAGE = (name: string): string =>
  `property '${name}' added to an object that allows additional properties: old data may carry '${name}' with any value; cannot prove compatible — close the old schema with additionalProperties:false or make '${name}' accept anything`;

/** A small pet-store contract; `patch` edits a deep copy of the input before parsing. */
function petStore(version = '1.0.0', patch: (doc: ContractDocumentInput) => void = () => {}): ContractDocument {
  const doc: ContractDocumentInput = {
    name: 'pets',
    version,
    endpoints: [
      {
        path: '/pets/{petId}',
        method: 'GET',
        responseSchema: 'Pet',
        errorSchemas: { '404': 'Error' },
        pathParameters: { petId: { required: true, schema: { type: 'string' } } },
        query: { fields: { required: false, schema: { type: 'string' } } },
      },
      { path: '/pets', method: 'POST', requestSchema: 'NewPet', responseSchema: 'Pet' },
    ],
    schemas: {
      Pet: {
        type: 'object',
        required: ['id', 'name'],
        properties: {
          id: { type: 'integer' },
          name: { type: 'string' },
          status: { enum: ['available', 'sold'] },
        },
      },
      NewPet: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', maxLength: 100 },
          age: { type: 'number' },
          kind: { enum: ['cat', 'dog', 'bird'] },
        },
        additionalProperties: false,
      },
      Error: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
    },
  };
  const copy = structuredClone(doc);
  patch(copy);
  return ContractDocumentSchema.parse(copy);
}

type SchemaMap = Record<string, Record<string, unknown>>;
const schemasOf = (doc: ContractDocumentInput): SchemaMap => doc.schemas as SchemaMap;
const propsOf = (doc: ContractDocumentInput, name: string): SchemaMap =>
  (doc.schemas as SchemaMap)[name]?.properties as SchemaMap;
const endpoint = (doc: ContractDocumentInput, i: number) =>
  doc.endpoints?.[i] as NonNullable<ContractDocumentInput['endpoints']>[number];

const rulesAndPointers = (issues: Array<{ rule: string; pointer: string; document?: string }>) =>
  issues.map(({ rule, pointer, document }) => ({ rule, pointer, document }));

describe('checkCompatibility', () => {
  describe('identical contracts', () => {
    it('finds no issues in any direction', () => {
      const v1 = petStore();
      for (const direction of ['BACKWARD', 'FORWARD', 'FULL'] as const) {
        expect(checkCompatibility(v1, petStore(), direction)).toEqual([]);
      }
    });

    it('is compatible in every mode', () => {
      for (const mode of COMPATIBILITY_MODES) {
        const report = checkAgainstHistory([petStore('1.0.0'), petStore('1.1.0')], petStore('1.2.0'), mode);
        expect(report).toMatchObject({ mode, compatible: true, issues: [] });
      }
    });
  });

  describe('endpoints', () => {
    const withoutPost = petStore('2.0.0', (d) => {
      d.endpoints = [endpoint(d, 0)];
    });

    it('reports a removed endpoint as a backward break pointing into the previous document', () => {
      const issues = checkCompatibility(petStore(), withoutPost, 'BACKWARD');
      expect(rulesAndPointers(issues)).toEqual([
        { rule: 'endpoint-removed', pointer: '/endpoints/1', document: 'previous' },
      ]);
      expect(issues[0]?.message).toContain('POST /pets');
    });

    it('accepts an added endpoint backward', () => {
      expect(checkCompatibility(withoutPost, petStore(), 'BACKWARD')).toEqual([]);
    });

    it('reports an added endpoint as a forward break', () => {
      const issues = checkCompatibility(withoutPost, petStore(), 'FORWARD');
      expect(rulesAndPointers(issues)).toEqual([{ rule: 'endpoint-added', pointer: '/endpoints/1', document: 'next' }]);
    });

    it('matches endpoints whose path parameters were renamed', () => {
      const renamed = petStore('2.0.0', (d) => {
        endpoint(d, 0).path = '/pets/{id}';
        endpoint(d, 0).pathParameters = { id: { required: true, schema: { type: 'string' } } };
      });
      expect(checkCompatibility(petStore(), renamed, 'FULL')).toEqual([]);
    });
  });

  describe('request bodies', () => {
    it('accepts an optional field added to a closed request schema backward', () => {
      const next = petStore('2.0.0', (d) => {
        propsOf(d, 'NewPet').tag = { type: 'string' };
      });
      expect(checkCompatibility(petStore(), next, 'BACKWARD')).toEqual([]);
    });

    it('reports an optional field added to a closed request schema as a forward break', () => {
      const next = petStore('2.0.0', (d) => {
        propsOf(d, 'NewPet').tag = { type: 'string' };
      });
      expect(rulesAndPointers(checkCompatibility(petStore(), next, 'FORWARD'))).toEqual([
        { rule: 'property-added-to-closed-schema', pointer: '/schemas/NewPet/properties/tag', document: 'next' },
      ]);
    });

    it('rejects a newly required request field', () => {
      const next = petStore('2.0.0', (d) => {
        propsOf(d, 'NewPet').tag = { type: 'string' };
        schemasOf(d).NewPet!.required = ['name', 'tag'];
      });
      const issues = checkCompatibility(petStore(), next, 'BACKWARD');
      expect(rulesAndPointers(issues)).toEqual([
        { rule: 'required-field-added', pointer: '/schemas/NewPet/required/1', document: 'next' },
      ]);
      expect(issues[0]?.message).toBe(
        "POST /pets request body: field 'tag' is required by the new version but not declared in the previous version",
      );
    });

    it('reports a field added to an open request object as property-added-to-open-content-model', () => {
      const open = (version: string, tag: boolean) =>
        petStore(version, (d) => {
          delete schemasOf(d).NewPet!.additionalProperties;
          if (tag) propsOf(d, 'NewPet').tag = { type: 'string' };
        });
      const issues = checkCompatibility(open('1.0.0', false), open('2.0.0', true), 'BACKWARD');
      expect(issues).toEqual([
        {
          rule: 'property-added-to-open-content-model',
          pointer: '/schemas/NewPet/properties/tag',
          document: 'next',
          message: `POST /pets request body: ${OPEN_CONTENT_MESSAGE('tag')}`,
        },
      ]);
    });

    it('rejects number narrowed to integer', () => {
      const next = petStore('2.0.0', (d) => {
        propsOf(d, 'NewPet').age = { type: 'integer' };
      });
      const issues = checkCompatibility(petStore(), next, 'BACKWARD');
      expect(rulesAndPointers(issues)).toEqual([
        { rule: 'type-narrowed', pointer: '/schemas/NewPet/properties/age/type', document: 'next' },
      ]);
      expect(issues[0]?.message).toBe("POST /pets request body: field 'age': type changed from number to integer");
    });

    it('accepts integer widened to number', () => {
      const before = petStore('1.0.0', (d) => {
        propsOf(d, 'NewPet').age = { type: 'integer' };
      });
      expect(checkCompatibility(before, petStore('2.0.0'), 'BACKWARD')).toEqual([]);
    });

    it('rejects an enum value removed from a request', () => {
      const next = petStore('2.0.0', (d) => {
        propsOf(d, 'NewPet').kind = { enum: ['cat', 'dog'] };
      });
      const issues = checkCompatibility(petStore(), next, 'BACKWARD');
      expect(rulesAndPointers(issues)).toEqual([
        { rule: 'enum-value-removed', pointer: '/schemas/NewPet/properties/kind/enum', document: 'next' },
      ]);
      expect(issues[0]?.message).toContain('"bird"');
    });

    it('rejects a tightened maxLength', () => {
      const next = petStore('2.0.0', (d) => {
        propsOf(d, 'NewPet').name = { type: 'string', maxLength: 50 };
      });
      const issues = checkCompatibility(petStore(), next, 'BACKWARD');
      expect(rulesAndPointers(issues)).toEqual([
        { rule: 'constraint-tightened', pointer: '/schemas/NewPet/properties/name/maxLength', document: 'next' },
      ]);
      expect(issues[0]?.message).toContain('maxLength 100 in the previous version, maxLength 50 in the new version');
    });

    it('accepts a loosened maxLength backward and reports it forward', () => {
      const next = petStore('2.0.0', (d) => {
        propsOf(d, 'NewPet').name = { type: 'string', maxLength: 200 };
      });
      expect(checkCompatibility(petStore(), next, 'BACKWARD')).toEqual([]);
      expect(rulesAndPointers(checkCompatibility(petStore(), next, 'FORWARD'))).toEqual([
        { rule: 'constraint-loosened', pointer: '/schemas/NewPet/properties/name/maxLength', document: 'next' },
      ]);
    });

    it('rejects a request body that became required', () => {
      const before = petStore('1.0.0', (d) => {
        endpoint(d, 1).requestBodyRequired = false;
      });
      expect(rulesAndPointers(checkCompatibility(before, petStore('2.0.0'), 'BACKWARD'))).toEqual([
        { rule: 'request-body-required', pointer: '/endpoints/1/requestBodyRequired', document: 'next' },
      ]);
    });

    it('rejects a field removed from a closed request schema', () => {
      const next = petStore('2.0.0', (d) => {
        delete propsOf(d, 'NewPet').age;
      });
      expect(rulesAndPointers(checkCompatibility(petStore(), next, 'BACKWARD'))).toEqual([
        { rule: 'property-removed', pointer: '/schemas/NewPet/properties/age', document: 'previous' },
      ]);
    });
  });

  describe('responses', () => {
    it('rejects a removed response field as a backward break', () => {
      const next = petStore('2.0.0', (d) => {
        delete propsOf(d, 'Pet').name;
        schemasOf(d).Pet!.required = ['id'];
      });
      const issues = checkCompatibility(petStore(), next, 'BACKWARD');
      expect(rulesAndPointers(issues)).toEqual([
        { rule: 'response-field-removed', pointer: '/schemas/Pet/properties/name', document: 'previous' },
      ]);
      expect(issues[0]?.message).toBe(
        "GET /pets/{petId} response 2xx; POST /pets response 2xx: field 'name' is required by the previous version but was removed in the new version",
      );
    });

    it('rejects an enum value added to a response', () => {
      const next = petStore('2.0.0', (d) => {
        propsOf(d, 'Pet').status = { enum: ['available', 'sold', 'pending'] };
      });
      const issues = checkCompatibility(petStore(), next, 'BACKWARD');
      expect(rulesAndPointers(issues)).toEqual([
        { rule: 'enum-value-added', pointer: '/schemas/Pet/properties/status/enum', document: 'next' },
      ]);
      expect(issues[0]?.message).toContain('"pending"');
    });

    it('rejects a response type widened from integer to number', () => {
      const next = petStore('2.0.0', (d) => {
        propsOf(d, 'Pet').id = { type: 'number' };
      });
      expect(rulesAndPointers(checkCompatibility(petStore(), next, 'BACKWARD'))).toEqual([
        { rule: 'type-widened', pointer: '/schemas/Pet/properties/id/type', document: 'next' },
      ]);
    });

    it('accepts a field added to a response backward', () => {
      const next = petStore('2.0.0', (d) => {
        propsOf(d, 'Pet').tag = { type: 'string' };
      });
      expect(checkCompatibility(petStore(), next, 'BACKWARD')).toEqual([]);
    });

    it('reports an error schema that the new version no longer declares', () => {
      const next = petStore('2.0.0', (d) => {
        endpoint(d, 0).errorSchemas = {};
      });
      expect(rulesAndPointers(checkCompatibility(petStore(), next, 'BACKWARD'))).toEqual([
        { rule: 'error-response-removed', pointer: '/endpoints/0/errorSchemas/404', document: 'previous' },
      ]);
    });

    it('compares list-form errorSchemas as any of the listed schemas for every status of 400 and above', () => {
      // Prepare
      const withList = (version: string, names: string[]) =>
        petStore(version, (d) => {
          endpoint(d, 0).errorSchemas = names;
          (d.schemas as Record<string, unknown>).AuthError = { type: 'object', required: ['realm'] };
        });

      // Act
      const same = checkCompatibility(
        withList('1.0.0', ['Error', 'AuthError']),
        withList('2.0.0', ['AuthError', 'Error']),
        'BACKWARD',
      );
      const narrowed = checkCompatibility(
        withList('1.0.0', ['Error', 'AuthError']),
        withList('2.0.0', ['Error']),
        'BACKWARD',
      );
      const widened = checkCompatibility(
        withList('1.0.0', ['Error']),
        withList('2.0.0', ['Error', 'AuthError']),
        'BACKWARD',
      );

      // Assess
      expect(same).toEqual([]);
      expect(narrowed).toEqual([]);
      expect(widened.length).toBeGreaterThan(0);
    });
  });

  describe('parameters', () => {
    it('rejects a new required query parameter', () => {
      const next = petStore('2.0.0', (d) => {
        endpoint(d, 0).query = { fields: { required: false, schema: { type: 'string' } }, limit: { required: true } };
      });
      expect(rulesAndPointers(checkCompatibility(petStore(), next, 'BACKWARD'))).toEqual([
        { rule: 'required-parameter-added', pointer: '/endpoints/0/query/limit/required', document: 'next' },
      ]);
    });

    it('rejects a narrowed path parameter schema under a renamed parameter', () => {
      const next = petStore('2.0.0', (d) => {
        endpoint(d, 0).path = '/pets/{id}';
        endpoint(d, 0).pathParameters = { id: { required: true, schema: { type: 'integer' } } };
      });
      expect(rulesAndPointers(checkCompatibility(petStore(), next, 'BACKWARD'))).toEqual([
        { rule: 'type-narrowed', pointer: '/endpoints/0/pathParameters/id/schema/type', document: 'next' },
      ]);
    });

    it('reports a removed query parameter', () => {
      const next = petStore('2.0.0', (d) => {
        endpoint(d, 0).query = {};
      });
      expect(rulesAndPointers(checkCompatibility(petStore(), next, 'BACKWARD'))).toEqual([
        { rule: 'parameter-removed', pointer: '/endpoints/0/query/fields', document: 'previous' },
      ]);
    });
  });

  describe('recursive schemas', () => {
    const tree = (version: string, leafType: string) =>
      petStore(version, (d) => {
        schemasOf(d).Node = {
          type: 'object',
          properties: { value: { type: leafType }, children: { type: 'array', items: { $ref: '#/$defs/Branch' } } },
          additionalProperties: false,
        };
        schemasOf(d).Branch = {
          type: 'object',
          properties: { node: { $ref: '#/$defs/Node' }, weight: { type: 'number' } },
          additionalProperties: false,
        };
        endpoint(d, 1).requestSchema = 'Node';
      });

    it('terminates on identical $ref cycles (A -> B -> A) without issues', () => {
      expect(checkCompatibility(tree('1.0.0', 'integer'), tree('2.0.0', 'integer'), 'FULL')).toEqual([]);
    });

    it('reports a change inside a $ref cycle once', () => {
      const issues = checkCompatibility(tree('1.0.0', 'number'), tree('2.0.0', 'integer'), 'BACKWARD');
      expect(rulesAndPointers(issues)).toEqual([
        { rule: 'type-narrowed', pointer: '/schemas/Node/properties/value/type', document: 'next' },
      ]);
      expect(issues[0]?.message).toBe("POST /pets request body: field 'value': type changed from number to integer");
    });
  });
});

describe('checkAgainstHistory', () => {
  describe('choosing the predecessor', () => {
    // 1.9.0 still has POST /pets; 1.10.0 and 1.11.0 do not.
    const v190 = petStore('1.9.0');
    const withoutPost = (version: string) =>
      petStore(version, (d) => {
        d.endpoints = [endpoint(d, 0)];
      });

    it('chooses 1.10.0 over 1.9.0 by semver precedence', () => {
      const report = checkAgainstHistory([withoutPost('1.10.0'), v190], withoutPost('1.11.0'), 'BACKWARD');
      expect(report).toEqual({ mode: 'BACKWARD', compatible: true, checkedAgainst: ['1.10.0'], issues: [] });
    });

    it('ignores versions that are not lower than the candidate', () => {
      const report = checkAgainstHistory(
        [withoutPost('1.10.0'), withoutPost('3.0.0'), v190],
        withoutPost('2.0.0'),
        'BACKWARD',
      );
      expect(report.checkedAgainst).toEqual(['1.10.0']);
    });

    it('checks nothing for the first version', () => {
      expect(checkAgainstHistory([], petStore('1.0.0'), 'FULL_TRANSITIVE')).toEqual({
        mode: 'FULL_TRANSITIVE',
        compatible: true,
        checkedAgainst: [],
        issues: [],
      });
    });

    it('reports every lower version in transitive mode and tags issues with against', () => {
      const report = checkAgainstHistory(
        [withoutPost('1.10.0'), v190, petStore('1.2.0')],
        withoutPost('1.11.0'),
        'BACKWARD_TRANSITIVE',
      );
      expect(report.compatible).toBe(false);
      expect(report.checkedAgainst).toEqual(['1.2.0', '1.9.0', '1.10.0']);
      expect(report.issues.map(({ rule, pointer, against }) => ({ rule, pointer, against }))).toEqual([
        { rule: 'endpoint-removed', pointer: '/endpoints/1', against: '1.2.0' },
        { rule: 'endpoint-removed', pointer: '/endpoints/1', against: '1.9.0' },
      ]);
    });

    it('reports nothing in NONE mode', () => {
      expect(checkAgainstHistory([v190], withoutPost('1.11.0'), 'NONE')).toEqual({
        mode: 'NONE',
        compatible: true,
        checkedAgainst: [],
        issues: [],
      });
    });

    it('reports both directions in FULL mode', () => {
      const report = checkAgainstHistory([petStore('1.0.0')], withoutPost('1.1.0'), 'FULL');
      expect(report.issues.map((i) => i.rule)).toEqual(['endpoint-removed']);
      const added = checkAgainstHistory([withoutPost('1.0.0')], petStore('1.1.0'), 'FULL');
      expect(added.issues.map((i) => i.rule)).toEqual(['endpoint-added']);
    });
  });
});

describe('isSubschema', () => {
  const ctx = { subDefs: {}, supDefs: {} };

  describe('combinators', () => {
    it('accepts a nullable type array under an anyOf of its types', () => {
      expect(isSubschema({ type: ['string', 'null'] }, { anyOf: [{ type: 'string' }, { type: 'null' }] }, ctx)).toEqual(
        [],
      );
    });

    it('rejects null removed from a type array', () => {
      expect(isSubschema({ type: ['string', 'null'] }, { type: 'string' }, ctx).map((i) => i.rule)).toEqual([
        'type-narrowed',
      ]);
    });

    it('accepts an allOf whose branches together imply the target', () => {
      const sub = { allOf: [{ type: 'object', required: ['a'] }, { required: ['b'] }] };
      expect(isSubschema(sub, { type: 'object', required: ['a', 'b'] }, ctx)).toEqual([]);
    });

    it('accepts every anyOf branch of sub fitting sup and rejects one that does not', () => {
      expect(
        isSubschema({ anyOf: [{ type: 'integer' }, { type: 'string' }] }, { type: ['number', 'string'] }, ctx),
      ).toEqual([]);
      expect(
        isSubschema({ anyOf: [{ type: 'integer' }, { type: 'string' }] }, { type: 'number' }, ctx).map((i) => i.rule),
      ).toEqual(['type-narrowed']);
    });

    it('accepts a oneOf compared with itself and a discriminated oneOf branch', () => {
      const cat = { type: 'object', required: ['kind'], properties: { kind: { const: 'cat' } } };
      const dog = { type: 'object', required: ['kind'], properties: { kind: { const: 'dog' } } };
      expect(
        isSubschema(
          { oneOf: [{ type: 'string' }, { minLength: 2 }] },
          { oneOf: [{ type: 'string' }, { minLength: 2 }] },
          ctx,
        ),
      ).toEqual([]);
      expect(isSubschema(cat, { oneOf: [cat, dog] }, ctx)).toEqual([]);
    });

    it('reports a oneOf it cannot prove exclusive as cannot-prove', () => {
      expect(
        isSubschema({ type: 'integer' }, { oneOf: [{ type: 'number' }, { minimum: 0 }] }, ctx).map((i) => i.rule),
      ).toEqual(['cannot-prove']);
    });
  });

  describe('keywords', () => {
    it('reports an unknown keyword that differs as cannot-prove', () => {
      expect(isSubschema({ type: 'object' }, { type: 'object', dependentRequired: { a: ['b'] } }, ctx)).toEqual([
        expect.objectContaining({ rule: 'cannot-prove', pointer: '/dependentRequired' }),
      ]);
      expect(isSubschema({ 'x-custom': 1 }, { 'x-custom': 1 }, ctx)).toEqual([]);
    });

    it('reports a changed pattern as cannot-prove and an added pattern as a tightening', () => {
      expect(
        isSubschema({ type: 'string', pattern: '^a' }, { type: 'string', pattern: '^b' }, ctx).map((i) => i.rule),
      ).toEqual(['cannot-prove']);
      expect(isSubschema({ type: 'string' }, { type: 'string', pattern: '^b' }, ctx).map((i) => i.rule)).toEqual([
        'constraint-tightened',
      ]);
    });

    it('reports an added format as a tightening', () => {
      expect(isSubschema({ type: 'string' }, { type: 'string', format: 'email' }, ctx).map((i) => i.rule)).toEqual([
        'constraint-tightened',
      ]);
    });

    it('ignores keywords that only constrain types sub does not admit', () => {
      expect(isSubschema({ type: 'string' }, { type: ['string', 'number'], minimum: 3 }, ctx)).toEqual([]);
    });

    it('resolves $ref against each side’s own named schemas', () => {
      const sub = { $ref: '#/$defs/Id' };
      expect(
        isSubschema(sub, sub, { subDefs: { Id: { type: 'integer' } }, supDefs: { Id: { type: 'number' } } }),
      ).toEqual([]);
      expect(
        isSubschema(sub, sub, { subDefs: { Id: { type: 'number' } }, supDefs: { Id: { type: 'integer' } } }),
      ).toEqual([
        {
          rule: 'type-narrowed',
          pointer: '/schemas/Id/type',
          document: 'next',
          message: 'type changed from number to integer',
        },
      ]);
    });

    it('reports an unresolvable $ref', () => {
      expect(isSubschema({ type: 'string' }, { $ref: '#/components/schemas/X' }, ctx).map((i) => i.rule)).toEqual([
        'unresolved-ref',
      ]);
    });
  });
});

describe('comparison budget', () => {
  it('answers cannot-prove instead of running unbounded on combinatorial anyOf', () => {
    const mk = (w: number) => ({
      allOf: Array.from({ length: 12 }, (_, i) => ({
        anyOf: [
          { type: 'string', minLength: i },
          { type: 'string', maxLength: 100 + i + w },
          { type: 'string', pattern: `^a${i}` },
          { type: 'string', format: 'email' },
        ],
      })),
    });
    const endpoints = [{ path: '/x', method: 'POST', requestSchema: 'Req' }];
    const previous = ContractDocumentSchema.parse({ name: 'n', version: '1.0.0', schemas: { Req: mk(0) }, endpoints });
    const next = ContractDocumentSchema.parse({ name: 'n', version: '1.1.0', schemas: { Req: mk(1) }, endpoints });

    const issues = checkCompatibility(previous, next, 'FULL');

    expect(issues).toEqual([
      expect.objectContaining({ rule: 'cannot-prove', message: expect.stringContaining('too complex to compare') }),
    ]);
  });

  it('answers cannot-prove at once when a shared budget is already spent', () => {
    // Prepare
    const budget = new ComparisonBudget(0);

    // Act
    const issues = checkCompatibility(petStore('1.0.0'), petStore('1.1.0'), 'BACKWARD', budget);
    const report = checkAgainstHistory([petStore('1.0.0')], petStore('1.1.0'), 'BACKWARD', budget);

    // Assess
    expect(issues).toEqual([expect.objectContaining({ rule: 'cannot-prove', pointer: '/schemas' })]);
    expect(report.issues).toEqual([expect.objectContaining({ rule: 'cannot-prove', against: '1.0.0' })]);
  });

  it('gives every check without a budget a fresh one', () => {
    expect(checkCompatibility(petStore('1.0.0'), petStore('1.1.0'), 'FULL')).toEqual([]);
    expect(isSubschema({ type: 'integer' }, { type: 'number' })).toEqual([]);
  });
});
