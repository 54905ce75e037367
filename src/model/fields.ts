/**
 * Field lists of documents, in output order, free of the schema library so that hot paths (the recipe
 * builder) do not load it. src/model/schema.ts checks at compile time that each list names exactly
 * the fields of its schema, so a field cannot silently disappear from output.
 */

/** ComponentRef fields in the order `aicr recipe` writes them. */
export const COMPONENT_REF_FIELDS = [
  'name',
  'namespace',
  'chart',
  'type',
  'source',
  'version',
  'tag',
  'valuesFile',
  'overrides',
  'patches',
  'dependencyRefs',
  'manifestFiles',
  'path',
  'cleanup',
  'expectedResources',
  'healthCheckAsserts',
] as const;

/** Criteria fields matched against overlays (besides `nodes`), in output order. */
export const CRITERIA_FIELDS = ['service', 'accelerator', 'intent', 'os', 'platform'] as const;
