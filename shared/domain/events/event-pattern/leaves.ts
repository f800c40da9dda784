export type Leaf = string | number | boolean | null;
export type LeafTest = (value: Leaf) => boolean;

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isLeaf = (value: unknown): value is Leaf =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

export const isStringWith =
  (predicate: (text: string) => boolean): LeafTest =>
  (value) =>
    typeof value === 'string' && predicate(value);
