/**
 * mulberry32 (Tommy Ettinger's 32-bit generator, public domain): uniform draws in [0, 1) fixed by
 * the seed, so statistical tests give the same answer on every run.
 *
 * @example const random = mulberry32(42); random(); // the same number on every run
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A uniform draw in [0, 1) fixed by the seed and a key (FNV-1a, then one mulberry32 step): the same
 * key always draws the same number, so what a test injects does not depend on how concurrent work
 * happens to interleave.
 *
 * @example keyedDraw(42, 'evt-1#2') // the same number on every run
 */
export function keyedDraw(seed: number, key: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  let t = (hash + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
