/** Deepest nesting of arrays and objects a decoded body may have (deeper → 400), in every format. */
export const MAX_BODY_DEPTH = 256;

/**
 * Most values (scalars, arrays and objects, counted once per occurrence) a decoded body may expand
 * to. YAML aliases let a few kilobytes expand to gigabytes ("billion laughs"); a cap on the
 * expanded size keeps validation and storage bounded (→ 400). Binary formats also cap each
 * declared array or map length with it before allocating.
 */
export const MAX_BODY_VALUES = 1_000_000;
