/**
 * The simulator's random numbers: xoshiro128** 1.1 (Blackman and Vigna, 2018), seeded through
 * splitmix32.
 *
 * Written here rather than taken from a package: it is twenty lines, and a simulation that must
 * give the same figures for the same seed forever cannot let a dependency's update change its
 * stream. The generator is checked against the reference implementation's published outputs
 * (`test/prng.test.ts`). Not for cryptography: keys and tokens use the platform's CSPRNG.
 *
 * @module
 */

/** 2⁻³²: multiplying by it is exactly dividing by 2³² (a power of two), and faster. */
const TWO_TO_MINUS_32 = 2 ** -32;

/** A seeded pseudo-random stream. */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  // Plain (TypeScript-private) fields rather than `#` ones on the drawing path: shorter bytecode,
  // so that V8 inlines the draws into the simulation's loops (docs/simulator.md §7).
  /** The next 16 outputs of the stream, computed ahead; `next` is the first not yet returned. */
  private readonly block = new Uint32Array(16);
  private next = 16;
  /** The last pair of normals (Marsaglia's polar method), and whether the second is still to come. */
  private normal0 = 0;
  private normal1 = 0;
  private hasSpare = false;

  /** From the four 32-bit words of the state (not all zero). */
  constructor(a: number, b: number, c: number, d: number) {
    if ((a | b | c | d) === 0) throw new RangeError('xoshiro128** state must not be all zero');
    this.#a = a >>> 0;
    this.#b = b >>> 0;
    this.#c = c >>> 0;
    this.#d = d >>> 0;
  }

  /** A stream from a seed (any integer, or a string) expanded by splitmix32. */
  static fromSeed(seed: number | string): Random {
    let s = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    const a = next();
    const b = next();
    const c = next();
    const d = next();
    return (a | b | c | d) === 0 ? new Random(1, 2, 3, 4) : new Random(a, b, c, d);
  }

  /** An independent stream for a named purpose, derived from this one's next outputs. */
  fork(label: string): Random {
    return Random.fromSeed((this.uint32() ^ hashString(label)) >>> 0);
  }

  /**
   * The next 32-bit output. Outputs are computed 16 at a time (`refill`): the same
   * stream, but a method small enough for the JIT to inline wherever the simulation draws.
   */
  uint32(): number {
    if (this.next === 16) this.refill();
    return this.block[this.next++]!;
  }

  /** The next 16 outputs of xoshiro128** into `block`. */
  private refill(): void {
    const block = this.block;
    let a = this.#a;
    let b = this.#b;
    let c = this.#c;
    let d = this.#d;
    for (let i = 0; i < 16; i++) {
      block[i] = Math.imul(rotl(Math.imul(b, 5), 7), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
    }
    this.#a = a;
    this.#b = b;
    this.#c = c;
    this.#d = d;
    this.next = 0;
  }

  /** `length` bytes (for the simulated phones' key generation: reproducible, not secret). */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      const x = this.uint32();
      for (let k = 0; k < 4 && i + k < length; k++) out[i + k] = (x >>> (8 * k)) & 255;
    }
    return out;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  float(): number {
    return this.uint32() * TWO_TO_MINUS_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Standard normal (Marsaglia's polar method; one value kept for the next call). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.normal1;
    }
    this.polarPair();
    return this.normal0;
  }

  /**
   * Draws the next pair of normals into `normal0` and `normal1`. Apart from {@link normal},
   * and returning nothing, so that `normal` and `logNormal` stay small enough for the JIT to
   * inline them where the simulation draws, and no number is boxed (allocated) per draw when it
   * does not.
   */
  private polarPair(): void {
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.float() - 1;
      v = 2 * this.float() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.normal0 = u * f;
    this.normal1 = v * f;
    this.hasSpare = true;
  }

  /** Log-normal with the given median and σ of the logarithm. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /**
   * {@link logNormal} written into `target[index]` instead of returned. The same draw; for hot
   * loops: a method that returns a fractional number allocates a heap number for it whenever
   * the JIT does not inline the call, and this one returns nothing and calls nothing that
   * returns one.
   */
  logNormalInto(target: Float32Array, index: number, median: number, sigma: number): void {
    let z: number;
    if (this.hasSpare) {
      this.hasSpare = false;
      z = this.normal1;
    } else {
      this.polarPair();
      z = this.normal0;
    }
    target[index] = median * Math.exp(sigma * z);
  }

  /** `Math.round(logNormal(median, sigma))`: the same draw, returned as an integer (see {@link logNormalInto}). */
  roundedLogNormal(median: number, sigma: number): number {
    let z: number;
    if (this.hasSpare) {
      this.hasSpare = false;
      z = this.normal1;
    } else {
      this.polarPair();
      z = this.normal0;
    }
    return Math.round(median * Math.exp(sigma * z));
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /** `Math.round(exponential(mean))`: the same draw, returned as an integer (see {@link logNormalInto}). */
  roundedExponential(mean: number): number {
    return Math.round(-mean * Math.log(1 - this.float()));
  }

  /** Poisson (Knuth's method; for small means). */
  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.float();
    while (p > limit) {
      k++;
      p *= this.float();
    }
    return k;
  }

  /** An index drawn with the given cumulative weights (ascending, last = total). */
  pick(cumulative: ArrayLike<number>): number {
    const x = this.float() * cumulative[cumulative.length - 1]!;
    let i = 0;
    while (i < cumulative.length - 1 && x >= cumulative[i]!) i++;
    return i;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a of a string's UTF-16 code units. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Cumulative sums of `weights`. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) out[i] = sum += weights[i]!;
  return out;
}
