// A deliberately slow `--data` catalog for bundle tests and the interrupted-bundle benchmark.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A catalog of `n` manifest-only components whose template loops `iterations` times (well inside
 * the template limits), so that a bundle takes a while; plus the recipe using them. `variant`
 * changes every rendered manifest, so two bundles of the same catalog differ in every component.
 * Shared by the bundle tests and `bench/bundle.mjs` (plain JavaScript, so the bench runs without tsx).
 */
export function slowCatalog(dir, n, iterations) {
  const data = path.join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const names = Array.from({ length: n }, (_, i) => `slow-${String(i).padStart(2, '0')}`);
  writeFileSync(
    path.join(data, 'registry.yaml'),
    'apiVersion: aicr.nvidia.com/v1alpha1\nkind: ComponentRegistry\ncomponents:\n' +
      names
        .map((c) => `  - name: ${c}\n    displayName: ${c}\n    manifest:\n      defaultNamespace: slow\n`)
        .join(''),
  );
  for (const c of names) {
    mkdirSync(path.join(data, 'components', c, 'manifests'), { recursive: true });
    writeFileSync(path.join(data, 'components', c, 'values.yaml'), 'variant: a\n');
    writeFileSync(
      path.join(data, 'components', c, 'manifests', 'cm.yaml'),
      `{{ range until ${iterations} }}{{ end }}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${c}\ndata:\n  variant: {{ index .Values "${c}" "variant" | quote }}\n`,
    );
  }
  const recipe = path.join(dir, 'slow-recipe.yaml');
  writeFileSync(
    recipe,
    'kind: RecipeResult\napiVersion: aicr.nvidia.com/v1alpha1\ncomponentRefs:\n' +
      names
        .map(
          (c) =>
            `  - name: ${c}\n    type: Helm\n    valuesFile: components/${c}/values.yaml\n    manifestFiles: [components/${c}/manifests/cm.yaml]\n`,
        )
        .join(''),
  );
  return { data, recipe };
}
