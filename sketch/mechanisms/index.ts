/**
 * Registry of the sketch mechanisms (docs/mechanisms/), by name. Each entry is a pure SketchMechanism
 * (sketch/mechanisms/mechanism.ts); a mechanism that is not registered here is unknown to the server.
 *
 * Adding one: import it and add one line to `mechanisms`.
 */
import type { MechanismName, SketchMechanism } from './mechanism.js'
import { parity } from './parity.js'
import { lcpTree } from './lcp-tree/index.js'
import { noisyBits } from './noisy-bits.js'
import { pl07 } from './pl07.js'

export const mechanisms: Partial<Record<MechanismName, SketchMechanism>> = {
  parity,
  pl07,
  'noisy-bits': noisyBits,
  'lcp-tree': lcpTree,
}

/** The mechanism registered under `name`; throws RangeError when there is none. */
export function getMechanism(name: MechanismName | string): SketchMechanism {
  const mechanism = Object.hasOwn(mechanisms, name) ? mechanisms[name as MechanismName] : undefined
  if (mechanism === undefined) throw new RangeError(`unknown mechanism "${name}"`)
  return mechanism
}
