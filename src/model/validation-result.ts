/**
 * The `ValidationResult` document `aicr validate` writes: its zod schema is the one definition the code
 * types the document with (src/constraint/recipe.ts) and the published JSON Schema is generated from
 * (schemas/v1/validationresult.json). Unknown keys are accepted (forward compatibility).
 */
import { z } from 'zod';

export const VALIDATION_STATUSES = ['pass', 'fail', 'partial'] as const;
export const CONSTRAINT_STATUSES = ['pass', 'fail', 'skipped', 'error'] as const;
export const RESULT_PHASES = ['readiness', 'deployment'] as const;

const count = z.number().int().min(0);

export const validationSummarySchema = z
  .object({ passed: count, failed: count, skipped: count, errors: count, total: count })
  .passthrough();

export const validationEntrySchema = z
  .object({
    name: z.string(),
    phase: z.enum(RESULT_PHASES),
    /** The constraint's expression as written in the recipe (trimmed). */
    expected: z.string(),
    /** The snapshot value compared against; absent when none was found. */
    actual: z.string().optional(),
    status: z.enum(CONSTRAINT_STATUSES),
    message: z.string(),
  })
  .passthrough();

/** One message of a policy's `deny` or `violation` rule. */
export const policyMessageSchema = z
  .object({
    rule: z.enum(['deny', 'violation']),
    msg: z.string(),
    /** The rest of an object message (`{"msg": …, "details": …}`), when it had more than msg. */
    details: z.record(z.unknown()).optional(),
  })
  .passthrough();

/** One Rego package: the files it came from and its messages (sorted). */
export const policyResultSchema = z
  .object({
    package: z.string(),
    files: z.array(z.string()),
    status: z.enum(['pass', 'fail']),
    messages: z.array(policyMessageSchema),
  })
  .passthrough();

export const policySectionSchema = z
  .object({
    status: z.enum(['pass', 'fail']),
    /** The OPA version that evaluated the policies. */
    engine: z.string().optional(),
    policies: z.array(policyResultSchema),
  })
  .passthrough();

export const validationResultSchema = z
  .object({
    kind: z.literal('ValidationResult'),
    apiVersion: z.string(),
    metadata: z.record(z.unknown()),
    status: z.enum(VALIDATION_STATUSES),
    summary: validationSummarySchema,
    results: z.array(validationEntrySchema),
    policy: policySectionSchema.optional(),
  })
  .passthrough();

/** Output type without the passthrough index signatures (what the code writes). */
export type Strict<T> = T extends (infer E)[]
  ? Strict<E>[]
  : T extends object
    ? string extends keyof T
      ? keyof T extends string | number
        ? { [K in keyof T as string extends K ? never : K]: Strict<T[K]> } extends infer O
          ? keyof O extends never
            ? T
            : O
          : never
        : T
      : { [K in keyof T]: Strict<T[K]> }
    : T;

export type ValidationStatus = (typeof VALIDATION_STATUSES)[number];
export type ValidationSummary = Strict<z.output<typeof validationSummarySchema>>;
export type ValidationEntry = Strict<z.output<typeof validationEntrySchema>>;
export type PolicyMessage = Strict<z.output<typeof policyMessageSchema>>;
export type PolicyResult = Strict<z.output<typeof policyResultSchema>>;
export type PolicySection = Strict<z.output<typeof policySectionSchema>>;
export type ValidationResult = Strict<z.output<typeof validationResultSchema>>;
