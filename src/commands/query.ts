/** `aicr query`: the recipe for the request, hydrated, and the value at a dot path in it. */
import { hydrateRecipe, selectPath } from '../recipe/query.js';
import { resolveRecipe, type RecipeRequest } from './recipe.js';

export async function queryRecipe(req: RecipeRequest, selector: string): Promise<unknown> {
  const { recipe, store } = await resolveRecipe(req);
  return selectPath(hydrateRecipe(recipe, store.source), selector);
}
