import { caseInsensitiveRegExp } from './case-folding';
import { isRecord, type Leaf, type LeafTest } from './leaves';
import { RANGE_REASON, toMicros } from './numeric';
import { refuse } from './refusal';
import { refuseWildcard, wildcardTest } from './wildcard';

export type AnythingButKind = 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';

/** A value of `anything-but: {prefix|suffix|equals-ignore-case|wildcard: …}`, checked as event-ruler does. */
export function anythingButText(kind: AnythingButKind, value: unknown): string {
  if (typeof value !== 'string') {
    if (kind === 'equals-ignore-case') {
      return refuse('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
    }
    return refuse(
      kind === 'wildcard' ? 'wildcard match pattern must be a string' : 'prefix/suffix match pattern must be a string',
    );
  }
  if ((kind === 'prefix' || kind === 'suffix') && value === '') refuse('Null prefix/suffix not allowed');
  return value;
}

/** `{"anything-but": …}` (User Guide, "Anything-but matching"; event-ruler processMatchExpression). */
export function compileAnythingBut(argument: unknown, extraKeys: boolean): LeafTest {
  const tooMany = 'Too many elements in numeric expression'; // sic: event-ruler's wording for extra keys here
  let kind: AnythingButKind | undefined;
  let values = argument;
  let innerExtraKeys = false;
  if (isRecord(argument)) {
    const keys = Object.keys(argument);
    if (keys.length === 0) return refuse('Anything-But expression name not found');
    const name = keys[0] as string;
    if (name !== 'equals-ignore-case' && name !== 'prefix' && name !== 'suffix' && name !== 'wildcard') {
      return refuse(`Unsupported anything-but pattern: ${name}`);
    }
    kind = name;
    values = argument[name];
    innerExtraKeys = keys.length > 1;
  }
  if (!Array.isArray(values) && typeof values !== 'string' && typeof values !== 'number') {
    return refuse('Value of anything-but must be an array or single string/number value.');
  }

  let excluded: (value: Leaf) => boolean;
  if (kind === undefined) {
    const list: readonly unknown[] = Array.isArray(values) ? values : [values];
    const strings = new Set<string>();
    const micros = new Set<number>();
    for (const item of list) {
      if (typeof item === 'string') strings.add(item);
      else if (typeof item === 'number') micros.add(toMicros(item) ?? refuse(RANGE_REASON));
      else refuse('Inside anything but list, start|null|boolean is not supported.');
    }
    if (Array.isArray(values) && strings.size > 0 === micros.size > 0) {
      refuse('Inside anything but list, either all values are number or string, mixed type is not supported');
    }
    excluded = (value) => {
      if (typeof value === 'string') return strings.has(value);
      if (typeof value !== 'number' || micros.size === 0) return false;
      const valueMicros = toMicros(value);
      return valueMicros !== null && micros.has(valueMicros);
    };
  } else {
    // event-ruler does not refuse an empty list here; it then excludes nothing (any present value matches).
    const texts = (Array.isArray(values) ? values : [values]).map((value) => anythingButText(kind, value));
    if (kind === 'wildcard') for (const text of texts) refuseWildcard(text);
    const predicates: ((text: string) => boolean)[] = texts.map((text) => {
      if (kind === 'prefix') return (value: string) => value.startsWith(text);
      if (kind === 'suffix') return (value: string) => value.endsWith(text);
      if (kind === 'wildcard') return wildcardTest(text);
      const pattern = caseInsensitiveRegExp(text, 'whole');
      return (value: string) => pattern.test(value);
    });
    excluded = (value) => typeof value === 'string' && predicates.some((predicate) => predicate(value));
  }
  if (innerExtraKeys || extraKeys) refuse(tooMany);
  return (value) => !excluded(value);
}
