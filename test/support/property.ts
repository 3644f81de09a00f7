import fc from 'fast-check'

/**
 * A fast-check property run with a fixed seed, as a thunk for `t.doesNotThrow`: a counterexample
 * throws and fails that assertion with fast-check's report.
 */
export function seededProperty(seed: number) {
  return function property<Ts extends [unknown, ...unknown[]]>(
    arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
    predicate: (...args: Ts) => boolean,
    numRuns = 200,
  ): () => void {
    return () => fc.assert(fc.property(...arbitraries, predicate), { seed, numRuns })
  }
}
