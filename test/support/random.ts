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
