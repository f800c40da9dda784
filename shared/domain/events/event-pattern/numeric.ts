import type { LeafTest } from './leaves';
import { refuse, tokenText } from './refusal';

/** Numbers EventBridge compares numerically lie in ±5.0e9 (event-ruler ComparableNumber, `FIVE_BILLION`). */
export const FIVE_BILLION = 5e9;
export const MICROS_PER_UNIT = 1e6;

/**
 * A number as a count of millionths, truncated toward zero, or `null` outside ±5.0e9. This is
 * EventBridge's numeric precision: "six digits to the right of the decimal point" within a bounded
 * range (User Guide, "Numeric matching"; event-ruler ComparableNumber). Digits past the sixth are
 * read from the number's shortest decimal form, so 9.999999 stays 9999999 millionths.
 */
export function toMicros(value: number): number | null {
  if (!(value >= -FIVE_BILLION && value <= FIVE_BILLION)) return null;
  if (Number.isInteger(value)) return value * MICROS_PER_UNIT + 0; // + 0 turns -0 into 0
  const text = Math.abs(value).toString();
  // Below 1e-6 JavaScript writes an exponent; such a number truncates to 0 millionths.
  if (text.includes('e')) return 0;
  const dot = text.indexOf('.');
  const micros = Number(text.slice(0, dot)) * MICROS_PER_UNIT + Number(`${text.slice(dot + 1)}000000`.slice(0, 6));
  return value < 0 ? -micros : micros;
}

/** Java's `Double.toString` for the ±5.0e9 bound, as event-ruler prints it in its reason. */
export const RANGE_REASON = 'Value must be between -5.0E9 and 5.0E9, inclusive';

export const numberEquals = (expected: number): LeafTest => {
  const micros = toMicros(expected);
  return (value) =>
    typeof value === 'number' && (value === expected || (micros !== null && toMicros(value) === micros));
};

/** A numeric range in millionths; either end open or closed (event-ruler Range). */
export function numericRange(bottom: number, openBottom: boolean, top: number, openTop: boolean): LeafTest {
  if (bottom >= top) refuse('Bottom must be less than top');
  const low = toMicros(bottom) ?? refuse(RANGE_REASON);
  const high = toMicros(top) ?? refuse(RANGE_REASON);
  return (value) => {
    if (typeof value !== 'number') return false;
    const micros = toMicros(value);
    return micros !== null && (openBottom ? micros > low : micros >= low) && (openTop ? micros < high : micros <= high);
  };
}

/** `{"numeric": [...]}` (User Guide, "Numeric matching"; event-ruler processNumericMatchExpression). */
export function compileNumeric(terms: readonly unknown[]): LeafTest {
  const [operator, operand] = terms;
  if (typeof operator !== 'string') return refuse(`Invalid member in numeric match: ${tokenText(operator)}`);
  const tooMany = 'Too many elements in numeric expression';
  switch (operator) {
    case '=': {
      if (typeof operand !== 'number') return refuse('Value of equals must be numeric');
      if (terms.length > 2) refuse(tooMany);
      const micros = toMicros(operand) ?? refuse(RANGE_REASON);
      return (value) => typeof value === 'number' && toMicros(value) === micros;
    }
    case '>':
    case '>=': {
      if (typeof operand !== 'number') return refuse(`Value of ${operator} must be numeric`);
      if (terms.length === 2) return numericRange(operand, operator === '>', FIVE_BILLION, false);
      const upper = terms[2];
      if (typeof upper !== 'string') return refuse(`Bad value in numeric range: ${tokenText(upper)}`);
      if (upper !== '<' && upper !== '<=') return refuse(`Bad numeric range operator: ${upper}`);
      const top = terms[3];
      if (typeof top !== 'number') return refuse(`Value of ${upper} must be numeric`);
      if (terms.length > 4) refuse('Too many terms in numeric range expression');
      return numericRange(operand, operator === '>', top, upper === '<');
    }
    case '<':
    case '<=':
      if (typeof operand !== 'number') return refuse(`Value of ${operator} must be numeric`);
      if (terms.length > 2) refuse(tooMany);
      return numericRange(-FIVE_BILLION, false, operand, operator === '<');
    default:
      return refuse(`Unrecognized numeric range operator: ${operator}`);
  }
}
