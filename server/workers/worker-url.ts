/**
 * Where a worker script is and how to start it. From compiled JavaScript the workers are the .js
 * files beside this one. From TypeScript sources (tests run through tsx) the worker starts
 * tsx-bootstrap.mjs, which registers the tsx loader in the thread and imports the .ts script named
 * in its environment.
 */
const fromSources = import.meta.url.endsWith('.ts')

export interface WorkerStart {
  /** The file the Worker loads. */
  url: URL
  /** The environment for the worker thread (undefined = share the parent's). */
  env: Record<string, string | undefined> | undefined
}

export function workerStart(name: string): WorkerStart {
  if (!fromSources) return { url: new URL(`./${name}.js`, import.meta.url), env: undefined }
  return {
    url: new URL('./tsx-bootstrap.mjs', import.meta.url),
    env: { ...process.env, DPDIST_WORKER_ENTRY: new URL(`./${name}.ts`, import.meta.url).href },
  }
}
