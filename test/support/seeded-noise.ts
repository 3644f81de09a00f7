/**
 * Test seam: a reproducible NoiseSource. It lives under test/ on purpose so that no production code
 * path (configuration, HTTP API, CLI) can reach it.
 */
import seedrandom from 'seedrandom'
import type { NoiseSource } from '../../privacy/noise-source.js'

export class SeededNoiseSource implements NoiseSource {
  readonly #rng: seedrandom.PRNG

  constructor(seed: string | number) {
    this.#rng = seedrandom.alea(String(seed))
  }

  nextUint32(): number {
    return this.#rng.int32() >>> 0
  }

  fillUint32(out: Uint32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.#rng.int32() >>> 0
  }
}
