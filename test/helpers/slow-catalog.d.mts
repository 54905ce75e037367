/** A `--data` catalog of `n` slow manifest-only components and the recipe using them. */
export declare function slowCatalog(
  dir: string,
  n: number,
  iterations: number,
): { data: string; recipe: string };
