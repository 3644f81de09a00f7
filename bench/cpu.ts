/**
 * The CPU a benchmark ran on, for its report: the model name, the vendor's family and model numbers
 * (a virtual machine often hides the name, "AMD EPYC", but not the numbers), the core generation
 * they identify where we know it, and whether the CPU has the instructions of each count-filter path.
 * Linux only (/proc/cpuinfo); elsewhere just the model name from node:os.
 */
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { NATIVE_PATH_LABELS, type NativeCountFilterModule, type NativePath } from '../sketch/kernels/native-count-filter.js'

export interface CpuDescription {
  model: string
  /** e.g. "AMD family 25 model 17 stepping 1 (Zen 4)". */
  identity: string
  /** e.g. "Zen 4", or null when the numbers are not in our table. */
  generation: string | null
  /** "AVX-512 VPOPCNTDQ", "AVX2, no AVX-512 VPOPCNTDQ" or "no AVX2". */
  vectorClass: string
}

function cpuinfo(): Map<string, string> {
  const fields = new Map<string, string>()
  try {
    for (const line of readFileSync('/proc/cpuinfo', 'utf8').split('\n')) {
      if (line.trim() === '') break // the first processor is enough
      const [key, ...rest] = line.split(':')
      fields.set(key.trim(), rest.join(':').trim())
    }
  } catch {
    // not Linux
  }
  return fields
}

/** AMD's core generations by family and model (the ones these benchmarks have met or will). */
function amdGeneration(family: number, model: number): string | null {
  if (family === 0x17) return model >= 0x30 ? 'Zen 2' : 'Zen or Zen+'
  if (family === 0x19) return (model >= 0x10 && model <= 0x1f) || (model >= 0x60 && model <= 0x7f) || (model >= 0xa0 && model <= 0xaf) ? 'Zen 4' : 'Zen 3'
  if (family === 0x1a) return 'Zen 5'
  return null
}

export function describeCpu(): CpuDescription {
  const info = cpuinfo()
  const model = info.get('model name') ?? cpus()[0]?.model ?? 'unknown CPU'
  const flags = new Set((info.get('flags') ?? '').split(/\s+/))
  const vendor = info.get('vendor_id') ?? ''
  const family = Number(info.get('cpu family'))
  const number = Number(info.get('model'))
  const generation = vendor === 'AuthenticAMD' ? amdGeneration(family, number) : null
  const identity =
    info.size === 0
      ? model
      : `${vendor === 'AuthenticAMD' ? 'AMD' : vendor === 'GenuineIntel' ? 'Intel' : vendor} family ${family} model ${number} stepping ${info.get('stepping')}${generation ? ` (${generation})` : ''}`
  const vectorClass = ['avx512f', 'avx512bw', 'avx512_vpopcntdq'].every((f) => flags.has(f))
    ? 'AVX-512 VPOPCNTDQ'
    : flags.has('avx2')
      ? 'AVX2, no AVX-512 VPOPCNTDQ'
      : 'no AVX2'
  return { model, identity, generation, vectorClass }
}

/**
 * The path a figure came from, said plainly: e.g. "avx2 (AVX2 (vpshufb nibble lookup)) on Zen 4, a
 * CPU with AVX-512 VPOPCNTDQ, not its fastest path (avx512): it stands in for CPUs whose best path
 * is avx2 but is not a measurement of one".
 */
export function pathStatement(native: NativeCountFilterModule, path: NativePath, cpu: CpuDescription): string {
  const fastest = Object.keys(native.paths)[0] as NativePath
  const base = `${path} (${NATIVE_PATH_LABELS[path]}) on ${cpu.generation ?? cpu.model}, a CPU with ${cpu.vectorClass}`
  return path === fastest
    ? `${base}: its fastest path`
    : `${base}, not its fastest path (${fastest}): it stands in for CPUs whose best path is ${path} but is not a measurement of one`
}
