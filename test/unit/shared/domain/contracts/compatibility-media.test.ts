import { describe, expect, it } from 'vitest';
import { checkCompatibility } from '../../../../../shared/domain/contracts/compatibility';
import {
  type ContractDocument,
  type ContractDocumentInput,
  ContractDocumentSchema,
} from '../../../../../shared/domain/contracts/contract';

const FORM = 'application/x-www-form-urlencoded';

/** A contract whose POST /messages takes `media` (media type → schema name). */
function messages(version: string, media?: Record<string, string>): ContractDocument {
  const doc: ContractDocumentInput = {
    name: 'messages',
    version,
    endpoints: [
      { path: '/messages', method: 'POST', requestSchema: 'Message', ...(media && { requestMediaTypes: media }) },
    ],
    schemas: {
      Message: { type: 'object', required: ['To'], properties: { To: { type: 'string' } } },
      StrictMessage: { type: 'object', required: ['To', 'From'], properties: { To: { type: 'string' } } },
    },
  };
  return ContractDocumentSchema.parse(doc);
}

const rules = (issues: ReturnType<typeof checkCompatibility>) => issues.map((i) => `${i.rule} ${i.pointer}`);

describe('checkCompatibility', () => {
  describe('request media types', () => {
    it('accepts a new version that adds a media type', () => {
      expect(
        checkCompatibility(
          messages('1.0.0'),
          messages('1.1.0', { 'application/json': 'Message', [FORM]: 'Message' }),
          'BACKWARD',
        ),
      ).toEqual([]);
    });

    it('fails a new version that drops a media type clients send', () => {
      // Act
      const issues = checkCompatibility(
        messages('1.0.0', { 'application/json': 'Message', [FORM]: 'Message' }),
        messages('2.0.0', { 'application/json': 'Message' }),
        'BACKWARD',
      );

      // Assess
      expect(rules(issues)).toEqual([
        'request-media-type-removed /endpoints/0/requestMediaTypes/application~1x-www-form-urlencoded',
      ]);
    });

    it('accepts a dropped media type that a range of the new version still covers', () => {
      const issues = checkCompatibility(
        messages('1.0.0', { [FORM]: 'Message' }),
        messages('1.1.0', { 'application/*': 'Message' }),
        'BACKWARD',
      );
      expect(issues).toEqual([]);
    });

    it('fails a media type whose schema tightens', () => {
      // Act
      const issues = checkCompatibility(
        messages('1.0.0', { 'application/json': 'Message', [FORM]: 'Message' }),
        messages('2.0.0', { 'application/json': 'Message', [FORM]: 'StrictMessage' }),
        'BACKWARD',
      );

      // Assess
      expect(issues.map((i) => i.rule)).toContain('required-field-added');
    });
  });

  describe('response media types', () => {
    /** A contract whose GET /messages/{id} answers `media` for 2XX (media type → schema name). */
    function answers(version: string, media?: Record<string, string>): ContractDocument {
      const doc: ContractDocumentInput = {
        name: 'messages',
        version,
        endpoints: [
          {
            path: '/messages/{id}',
            method: 'GET',
            responseSchema: 'Message',
            ...(media && { responseMediaTypes: { '2XX': media } }),
          },
        ],
        schemas: {
          Message: { type: 'object', required: ['To'], properties: { To: { type: 'string' } } },
          LooseMessage: { type: 'object', properties: { To: { type: 'string' } } },
        },
      };
      return ContractDocumentSchema.parse(doc);
    }

    it('accepts a new version that produces one more media type', () => {
      expect(
        checkCompatibility(
          answers('1.0.0'),
          answers('1.1.0', { 'application/json': 'Message', 'application/cbor': 'Message' }),
          'BACKWARD',
        ),
      ).toEqual([]);
    });

    it('fails a new version that stops producing a media type clients ask for', () => {
      // Act
      const issues = checkCompatibility(
        answers('1.0.0', { 'application/json': 'Message', 'application/cbor': 'Message' }),
        answers('2.0.0', { 'application/json': 'Message' }),
        'BACKWARD',
      );

      // Assess
      expect(rules(issues)).toEqual([
        'response-media-type-removed /endpoints/0/responseMediaTypes/2XX/application~1cbor',
      ]);
    });

    it("fails a media type whose answers loosen beyond what clients' schema reads", () => {
      // Act
      const issues = checkCompatibility(
        answers('1.0.0', { 'application/json': 'Message', 'application/cbor': 'Message' }),
        answers('2.0.0', { 'application/json': 'Message', 'application/cbor': 'LooseMessage' }),
        'BACKWARD',
      );

      // Assess
      expect(issues).toEqual([
        expect.objectContaining({
          rule: 'response-field-optional',
          pointer: '/schemas/LooseMessage/properties/To',
          message: expect.stringContaining('response 2XX (application/cbor)'),
        }),
      ]);
    });

    it('reports a media type a FORWARD check finds the old server never produced', () => {
      // Act: the new version's clients may ask for CBOR, which the previous version's server did not produce
      const issues = checkCompatibility(
        answers('1.0.0', { 'application/json': 'Message' }),
        answers('1.1.0', { 'application/json': 'Message', 'application/cbor': 'Message' }),
        'FORWARD',
      );

      // Assess
      expect(rules(issues)).toEqual([
        'response-media-type-added /endpoints/0/responseMediaTypes/2XX/application~1cbor',
      ]);
    });
  });
});
