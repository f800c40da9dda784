import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from '../../../../shared/domain/canonical-json';
import { compilePathTemplate, matchPath } from '../../../../shared/domain/path-template';

const literal = fc.stringMatching(/^[a-z0-9._-]{1,8}$/);
const value = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes('/'));

describe('path templates (property)', () => {
  it('match every concrete path built from the template and give back the encoded values', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            literal.map((l) => ({ l })),
            fc.constant({ p: true }),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(value, { minLength: 6, maxLength: 6 }),
        (segments, values) => {
          let template = '';
          let path = '';
          const expected: Record<string, string> = {};
          segments.forEach((segment, i) => {
            if ('l' in segment) {
              template += `/${segment.l}`;
              path += `/${segment.l}`;
            } else {
              template += `/{p${i}}`;
              path += `/${encodeURIComponent(values[i] as string)}`;
              expected[`p${i}`] = values[i] as string;
            }
          });
          const match = matchPath([compilePathTemplate(template)], path);
          expect(match).toEqual({ index: 0, parameters: expected });
        },
      ),
    );
  });

  it('never let a parameter swallow a "/"', () => {
    fc.assert(
      fc.property(literal, value, value, (prefix, a, b) => {
        const template = compilePathTemplate(`/${prefix}/{id}`);
        expect(matchPath([template], `/${prefix}/${encodeURIComponent(a)}/${encodeURIComponent(b)}`)).toBeUndefined();
      }),
    );
  });

  it('prefer the template with more literal characters', () => {
    fc.assert(
      fc.property(literal, literal, (prefix, fixed) => {
        const templates = [compilePathTemplate(`/${prefix}/{id}`), compilePathTemplate(`/${prefix}/${fixed}`)];
        expect(matchPath(templates, `/${prefix}/${fixed}`)?.index).toBe(1);
      }),
    );
  });
});

describe('canonicalJson (property)', () => {
  it('ignores key order at every level and round-trips through JSON.parse', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const shuffled = JSON.parse(
          JSON.stringify(value, (_k, v) =>
            v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
          ),
        );
        expect(canonicalJson(shuffled)).toBe(canonicalJson(value));
        expect(contentHash(shuffled)).toBe(contentHash(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});
