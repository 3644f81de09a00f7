// Loads a TypeScript worker script when dpdist runs from its sources (tests). Node 20 does not
// pass the parent's `--import tsx` loader hooks to worker threads, so the worker registers tsx
// itself and then imports the real script, named in DPDIST_WORKER_ENTRY. Compiled builds never use
// this file: their workers are plain .js.
import { register } from 'tsx/esm/api'

register()
const mod = await import(process.env.DPDIST_WORKER_ENTRY)
export default mod.default
