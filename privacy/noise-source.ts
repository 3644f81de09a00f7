/**
 * The one place privacy noise comes from.
 *
 * Every random draw that protects data (randomized-response flips, geometric noise) reads uniform
 * 32-bit words from a NoiseSource. Production uses {@link CryptoNoiseSource}, which refills a large
 * buffer with `crypto.randomFillSync` (the OS CSPRNG). A seeded source exists only under test/ as a
 * test seam; nothing in configuration, the HTTP API or the CLI can select it.
 */
import { randomFillSync } from 'node:crypto'

export interface NoiseSource {
  /** Fills `out` with independent uniform 32-bit unsigned integers. */
  fillUint32(out: Uint32Array): void
  /** One uniform 32-bit unsigned integer. */
  nextUint32(): number
}

/** Buffered CSPRNG source: one `randomFillSync` call per 64 KiB of noise. */
export class CryptoNoiseSource implements NoiseSource {
  readonly #buffer: Uint32Array
  #next: number

  constructor(bufferWords = 16_384) {
    if (!Number.isSafeInteger(bufferWords) || bufferWords < 1) throw new RangeError('bufferWords must be a positive integer')
    this.#buffer = new Uint32Array(bufferWords)
    this.#next = bufferWords
  }

  fillUint32(out: Uint32Array): void {
    // Large requests go straight to the CSPRNG; small ones are copied out of the buffer in slices.
    const buffer = this.#buffer
    if (out.length >= buffer.length) {
      randomFillSync(out)
      return
    }
    let filled = 0
    while (filled < out.length) {
      if (this.#next >= buffer.length) {
        randomFillSync(buffer)
        this.#next = 0
      }
      const take = Math.min(out.length - filled, buffer.length - this.#next)
      out.set(buffer.subarray(this.#next, this.#next + take), filled)
      // Words handed out are never handed out again.
      this.#next += take
      filled += take
    }
  }

  nextUint32(): number {
    if (this.#next >= this.#buffer.length) {
      randomFillSync(this.#buffer)
      this.#next = 0
    }
    return this.#buffer[this.#next++]
  }
}

let shared: CryptoNoiseSource | undefined

/** The process-wide production source. */
export function productionNoiseSource(): NoiseSource {
  shared ??= new CryptoNoiseSource()
  return shared
}
