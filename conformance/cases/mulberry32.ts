/**
 * mulberry32: a small seeded 32-bit generator. Vectors, scenarios and bench
 * fixtures draw from it so their content is pseudo-random yet fixed, the same
 * on every Node version (Math.random cannot be seeded).
 */

/** The generator's next 32-bit unsigned integer, from `seed`. */
export function mulberry32Uint32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The generator as numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  const next = mulberry32Uint32(seed);
  return () => next() / 4294967296;
}
