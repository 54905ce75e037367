/** `aicr query`: the recipe for the request, hydrated, and the value at a dot path in it, printed. */
import { toJson, toYaml, type Format } from '../io/serialize.js';
import { writeOutput } from '../io/writer.js';
import { hydrateRecipe, selectPath } from '../recipe/query.js';
import { resolveRecipe, type RecipeRequest } from './recipe.js';

/** Scalars print plain; maps and lists as YAML (or everything as JSON with --format json). */
export function renderQueryValue(v: unknown, format: Format): string {
  if (format === 'json') return toJson(v);
  if (typeof v === 'string') return v + '\n';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v) + '\n';
  return toYaml(v);
}

export async function queryRecipe(req: RecipeRequest, selector: string): Promise<unknown> {
  const { recipe, store } = await resolveRecipe(req);
  return selectPath(hydrateRecipe(recipe, store.source), selector);
}

/** Prints the selected value on stdout. */
export async function runQuery(req: RecipeRequest, selector: string, format: Format): Promise<void> {
  const value = await queryRecipe(req, selector);
  await writeOutput(undefined, renderQueryValue(value, format), { kind: 'query', format });
}
