/**
 * The case variants equals-ignore-case accepts for each UTF-16 unit of `text`: its lower and upper
 * case (locale-independent), or the one form when they agree (event-ruler EqualsIgnoreCaseParser).
 */
export function caseVariants(text: string): string[][] {
  const variants: string[][] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text[i] as string;
    const lower = unit.toLowerCase();
    const upper = unit.toUpperCase();
    variants.push(lower === upper ? [lower] : [lower, upper]);
  }
  return variants;
}

export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

export type CaseMode = 'whole' | 'prefix' | 'suffix';

/** A regular expression for equals-ignore-case over `text`, anchored per `mode`; no quantifiers, so no backtracking blow-up. */
export function caseInsensitiveRegExp(text: string, mode: CaseMode): RegExp {
  const body = caseVariants(text)
    .map((forms) =>
      forms.length === 1 ? escapeRegExp(forms[0] as string) : `(?:${forms.map(escapeRegExp).join('|')})`,
    )
    .join('');
  return new RegExp(`${mode === 'suffix' ? '' : '^'}${body}${mode === 'prefix' ? '' : '$'}`);
}
