/**
 * Schema validation of every input document (overlays, registry, criteria files, recipes, snapshots).
 * Errors name the source and the field path, e.g.
 *   `recipe r.yaml: componentRefs[2].name: expected string, got number`.
 * Unknown keys are accepted (forward compatibility), wrong types are not.
 */
import { z } from 'zod';
import { invalid } from '../errors/index.js';
import { isDns1123 } from '../util/names.js';
import { COMPONENT_REF_FIELDS, CRITERIA_FIELDS } from './fields.js';
import { keepScalarText, OVERLAY_TEXT_FIELDS, RECIPE_TEXT_FIELDS, REGISTRY_TEXT_FIELDS } from './shape.js';

export { checkHeader, keepScalarText } from './shape.js';

const str = z.string();
/** `kind` and `apiVersion`, checked apart by checkHeader. */
const header = { kind: z.string().optional(), apiVersion: z.string().optional() };
const strList = z.array(z.string());
const anyMap = z.record(z.unknown());

/** Output types of a schema without `null` (the loaders drop nulls): what the code works with. */
export type NoNull<T> = T extends (infer E)[]
  ? NoNull<E>[]
  : T extends Record<string, unknown>
    ? { [K in keyof T]: NoNull<Exclude<T[K], null>> }
    : T;

/** The fields of a constraint, in output order. */
export const constraintObject = z.object({
  name: str,
  value: z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v)),
  severity: str.optional(),
  remediation: str.optional(),
  unit: str.optional(),
});
export const constraintSchema = constraintObject.passthrough();

/** The fields of a component reference, in output order (the recipe builder writes them so). */
export const componentRefObject = z.object({
  name: str.min(1),
  namespace: str.optional(),
  chart: str.optional(),
  type: str.optional(),
  source: str.optional(),
  version: z.union([z.string(), z.number()]).transform(String).optional(),
  tag: str.optional(),
  valuesFile: str.optional(),
  overrides: anyMap.nullable().optional(),
  patches: strList.nullable().optional(),
  dependencyRefs: strList.nullable().optional(),
  manifestFiles: strList.nullable().optional(),
  path: str.optional(),
  cleanup: z.boolean().optional(),
  expectedResources: z
    .array(z.object({ kind: str, name: str, namespace: str.optional() }).passthrough())
    .nullable()
    .optional(),
  healthCheckAsserts: str.optional(),
});
export const componentRefSchema = componentRefObject.passthrough();

const phaseObject = z.object({
  timeout: str.optional(),
  constraints: z.array(constraintSchema).nullable().optional(),
  checks: strList.nullable().optional(),
  nodeSelection: z
    .object({
      selector: z.record(z.string()).optional(),
      maxNodes: z.number().int().optional(),
      excludeNodes: strList.optional(),
    })
    .passthrough()
    .optional(),
  infrastructure: str.optional(),
});
const phaseSchema = phaseObject.passthrough();

const validationObject = z.object({
  readiness: phaseSchema.optional(),
  deployment: phaseSchema.optional(),
  performance: phaseSchema.optional(),
  conformance: phaseSchema.optional(),
});
export const validationSchema = validationObject.passthrough();

/** Criteria fields: overlays' `spec.criteria`, criteria files' `spec`, recipes' `criteria`. */
export const criteriaObject = z.object({
  service: str.optional(),
  accelerator: str.optional(),
  intent: str.optional(),
  os: str.optional(),
  platform: str.optional(),
  // bigint: an integer beyond 2^53, refused by parseNodes as too large (never rounded).
  nodes: z.union([z.number().int(), z.bigint()]).optional(),
});
const criteriaSchema = criteriaObject.passthrough();

export const recipeMetadataSchema = z
  .object({
    ...header,
    metadata: z.object({ name: str.min(1) }).passthrough(),
    spec: z
      .object({
        base: str.optional(),
        criteria: criteriaSchema.nullable().optional(),
        constraints: z.array(constraintSchema).nullable().optional(),
        componentRefs: z.array(componentRefSchema).nullable().optional(),
        validation: validationSchema.nullable().optional(),
      })
      .passthrough()
      .default({}),
  })
  .passthrough();

const schedulingPathsSchema = z
  .object({
    nodeSelectorPaths: strList.optional(),
    tolerationPaths: strList.optional(),
    taintPaths: strList.optional(),
    taintStrPaths: strList.optional(),
  })
  .passthrough();

/** Facts the generated deploy/undeploy scripts need about a component (bundle/helm/scripts.ts). */
const registryDeploySchema = z
  .object({
    async: z.boolean().optional(),
    restartKubeletPlugins: z.boolean().optional(),
    orphanCrdGroups: z
      .array(str.refine((v) => isDns1123(v, 'subdomain'), 'must be a DNS subdomain (an API group)'))
      .optional(),
    extraNamespaces: z
      .array(str.refine((v) => isDns1123(v, 'label'), 'must be a DNS-1123 label (a namespace)'))
      .optional(),
  })
  .strict();

const registryComponentSchema = z
  .object({
    name: str.min(1),
    displayName: str.optional(),
    valueOverrideKeys: strList.optional(),
    helm: z
      .object({
        defaultRepository: str.optional(),
        defaultChart: str.optional(),
        defaultVersion: z.union([z.string(), z.number()]).transform(String).optional(),
        defaultNamespace: str.optional(),
      })
      .passthrough()
      .optional(),
    kustomize: z
      .object({
        defaultSource: str.optional(),
        defaultPath: str.optional(),
        defaultTag: str.optional(),
      })
      .passthrough()
      .optional(),
    nodeScheduling: z
      .object({
        system: schedulingPathsSchema.optional(),
        accelerated: schedulingPathsSchema.optional(),
        nodeCountPaths: strList.optional(),
      })
      .passthrough()
      .optional(),
    podScheduling: z
      .object({
        workload: z.object({ workloadSelectorPaths: strList.optional() }).passthrough().optional(),
      })
      .passthrough()
      .optional(),
    validations: z
      .array(
        z
          .object({
            function: str,
            severity: str.optional(),
            conditions: z.record(strList).optional(),
            message: str.optional(),
          })
          .passthrough(),
      )
      .optional(),
    healthCheck: z.object({ assertFile: str.optional() }).passthrough().optional(),
    deploy: registryDeploySchema.optional(),
  })
  .passthrough();

export const registrySchema = z
  .object({
    apiVersion: str.optional(),
    kind: str.optional(),
    components: z.array(registryComponentSchema).default([]),
  })
  .passthrough();

/** true when A and B are the same set of keys. */
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Compile-time ties between the field lists of src/model/fields.ts and the schemas.
const refFieldsMatch: SameKeys<
  (typeof COMPONENT_REF_FIELDS)[number],
  keyof z.output<typeof componentRefObject>
> = true;
const criteriaFieldsMatch: SameKeys<
  (typeof CRITERIA_FIELDS)[number] | 'nodes',
  keyof z.output<typeof criteriaObject>
> = true;
void refFieldsMatch;
void criteriaFieldsMatch;

export type Constraint = NoNull<z.output<typeof constraintObject>>;
export type ComponentRef = NoNull<z.output<typeof componentRefObject>>;
export type ExpectedResource = NonNullable<ComponentRef['expectedResources']>[number];
export type ValidationPhase = NoNull<z.output<typeof phaseObject>>;
export type NodeSelection = NonNullable<ValidationPhase['nodeSelection']>;
export type RegistryComponent = NoNull<z.output<typeof registryComponentSchema>>;
export type RegistryValidation = NonNullable<RegistryComponent['validations']>[number];
export type ComponentRegistry = NoNull<z.output<typeof registrySchema>>;
export type RegistryDeploy = NonNullable<RegistryComponent['deploy']>;
export type SchedulingPaths = NonNullable<NonNullable<RegistryComponent['nodeScheduling']>['system']>;

export const criteriaFileSchema = z
  .object({
    ...header,
    metadata: anyMap.optional(),
    spec: criteriaSchema.nullable().optional(),
  })
  .passthrough();

export const recipeResultSchema = z
  .object({
    ...header,
    metadata: anyMap.nullable().optional(),
    criteria: criteriaSchema.nullable().optional(),
    constraints: z.array(constraintSchema).nullable().optional(),
    componentRefs: z.array(componentRefSchema).nullable().optional(),
    deploymentOrder: strList.nullable().optional(),
    validation: validationSchema.nullable().optional(),
  })
  .passthrough();

export const snapshotSchema = z
  .object({
    ...header,
    metadata: z.record(z.unknown()).nullable().optional(),
    measurements: z
      .array(
        z
          .object({
            type: str,
            subtypes: z
              .array(
                z
                  .object({
                    subtype: str.default(''),
                    data: z.record(z.unknown()).nullable().default({}),
                    context: z.record(z.unknown()).optional(),
                  })
                  .passthrough(),
              )
              .nullable()
              .optional(),
          })
          .passthrough(),
      )
      .nullable()
      .default([]),
  })
  .passthrough();

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  return typeof v;
}

function pathText(p: (string | number)[]): string {
  let out = '';
  for (const seg of p) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out || '(document)';
}

/**
 * String fields that may be written as unquoted numbers (`value: 22.10`, `version: 1.10`): they take
 * the scalar's source text, as a Go string field does, instead of the number's JS text (`22.1`).
 */
const TEXT_FIELDS = new Map<z.ZodTypeAny, readonly (readonly string[])[]>([
  [recipeResultSchema, RECIPE_TEXT_FIELDS],
  [recipeMetadataSchema, OVERLAY_TEXT_FIELDS],
  [registrySchema, REGISTRY_TEXT_FIELDS],
]);

/** Validates `doc` against `schema`; INVALID_REQUEST naming `source` and the first bad field. */
export function check<T extends z.ZodTypeAny>(schema: T, doc: unknown, source: string): z.output<T> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalid(`${source}: expected a YAML/JSON mapping at the top level, got ${describeType(doc)}`);
  }
  for (const path of TEXT_FIELDS.get(schema) ?? []) keepScalarText(doc, path);
  const res = schema.safeParse(doc);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  let got = '';
  if (issue.code === 'invalid_type') got = `, got ${issue.received}`;
  const msg = issue.code === 'invalid_type' ? `expected ${issue.expected}${got}` : issue.message;
  throw invalid(`${source}: ${pathText(issue.path)}: ${msg}`);
}
