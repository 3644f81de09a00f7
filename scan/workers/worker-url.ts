/**
 * Where a worker script is and how to start it. From compiled JavaScript a worker is the .js file
 * the caller names. From TypeScript sources (tests run through tsx) the worker starts
 * tsx-bootstrap.mjs, which registers the tsx loader in the thread and imports the .ts script named
 * in its environment.
 */
export interface WorkerStart {
  /** The file the Worker loads. */
  url: URL
  /** The environment for the worker thread (undefined = share the parent's). */
  env: Record<string, string | undefined> | undefined
}

/**
 * `path` is the worker script without its extension, relative to `base` (the caller's
 * `import.meta.url`), e.g. `workerStart('./workers/scan-worker', import.meta.url)`.
 */
export function workerStart(path: string, base: string): WorkerStart {
  if (!base.endsWith('.ts')) return { url: new URL(`${path}.js`, base), env: undefined }
  return {
    url: new URL('./tsx-bootstrap.mjs', import.meta.url),
    env: { ...process.env, DPDIST_WORKER_ENTRY: new URL(`${path}.ts`, base).href },
  }
}
