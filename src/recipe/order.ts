/**
 * Dependency checks and deployment order.
 * Every dependencyRefs entry must name a component of the recipe; cycles are errors. The order is
 * Kahn's algorithm that always emits the alphabetically smallest ready component, so it is stable.
 */
import { invalid } from '../errors/index.js';
import type { ComponentRef } from '../model/recipe.js';

export function validateDependencies(refs: ComponentRef[]): void {
  const names = new Set(refs.map((r) => r.name));
  for (const r of [...refs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    for (const d of r.dependencyRefs ?? []) {
      if (!names.has(d)) {
        throw invalid(
          `component "${r.name}" references unknown dependency "${d}" (components in this recipe: ${[...names].sort().join(', ')})`,
        );
      }
    }
  }
  const deps = new Map(refs.map((r) => [r.name, r.dependencyRefs ?? []]));
  const state = new Map<string, 1 | 2>();
  const visit = (n: string, trail: string[]): void => {
    if (state.get(n) === 2) return;
    if (state.get(n) === 1) {
      const cycle = [...trail.slice(trail.indexOf(n)), n];
      throw invalid(`circular dependency detected: [${cycle.join(' ')}]`);
    }
    state.set(n, 1);
    for (const d of deps.get(n) ?? []) visit(d, [...trail, n]);
    state.set(n, 2);
  };
  for (const n of [...deps.keys()].sort()) visit(n, []);
}

export function deploymentOrder(refs: ComponentRef[]): string[] {
  const remaining = new Map(refs.map((r) => [r.name, new Set(r.dependencyRefs ?? [])]));
  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining.entries()].filter(([, d]) => d.size === 0).map(([n]) => n);
    if (ready.length === 0) throw invalid('cannot determine deployment order: circular dependencies exist');
    ready.sort();
    const next = ready[0];
    order.push(next);
    remaining.delete(next);
    for (const d of remaining.values()) d.delete(next);
  }
  return order;
}
