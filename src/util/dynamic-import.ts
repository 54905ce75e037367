/**
 * `import()` of an external ES module (e.g. `@kubernetes/client-node`, which is ESM-only).
 *
 * The bundled CLI runs inside a `vm.Script` (the code-cache launcher), where a bare `import()` has no
 * module loader; the launcher therefore provides `globalThis.__aicrImport`, a real `import()` from a
 * CommonJS file next to the bundle (or, for a library the build bundles separately, such as the
 * Kubernetes client, that bundle with its code cache). From source (tests, tsx) the module's own
 * `import()` is used.
 */
declare global {
  var __aicrImport: ((specifier: string) => Promise<unknown>) | undefined;
}

export function importExternal<T>(specifier: string): Promise<T> {
  const viaLauncher = globalThis.__aicrImport;
  return (viaLauncher ? viaLauncher(specifier) : import(specifier)) as Promise<T>;
}
