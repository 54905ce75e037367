/**
 * Documents the drift commands write: the `FleetReport` of a fleet snapshot (src/diff/fleet.ts) and the
 * change list of `aicr diff --format json|yaml` (`SnapshotDiff`, `RecipeResultDiff`, …). Their zod
 * schemas type the code that writes them and generate the published JSON Schemas
 * (src/schema/registry.ts). Unknown keys are accepted (forward compatibility).
 */
import { z } from 'zod';
import type { Strict } from './validation-result.js';

const count = z.number().int().min(0);
/** A snapshot reading: a scalar (integers beyond 2^53 are bigint in the code, JSON integers on disk). */
const reading = z.union([z.string(), z.number(), z.bigint(), z.boolean(), z.null()]);

const measurementSchema = z
  .object({
    type: z.string(),
    subtypes: z
      .array(
        z
          .object({
            subtype: z.string(),
            data: z.record(reading),
            context: z.record(z.string()).optional(),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();

export const fleetReportSchema = z
  .object({
    apiVersion: z.string(),
    kind: z.literal('FleetReport'),
    metadata: z.record(z.string()),
    nodeCount: count,
    succeeded: count,
    failed: count,
    failedNodes: z.array(z.object({ node: z.string(), reason: z.string() }).passthrough()),
    majority: z.object({ measurements: z.array(measurementSchema) }).passthrough(),
    deviations: z.array(
      z
        .object({
          path: z.string(),
          majority: reading,
          count,
          nodes: z.array(
            z.object({ node: z.string(), value: reading, absent: z.boolean().optional() }).passthrough(),
          ),
        })
        .passthrough(),
    ),
    noMajority: z.array(z.object({ path: z.string(), values: count }).passthrough()),
  })
  .passthrough();

export const DIFF_DOCUMENT_KINDS = [
  'SnapshotDiff',
  'RecipeResultDiff',
  'ValidationResultDiff',
  'FleetReportDiff',
] as const;

export const diffDocumentSchema = z
  .object({
    kind: z.enum(DIFF_DOCUMENT_KINDS),
    apiVersion: z.string(),
    baseline: z.string(),
    current: z.string(),
    summary: z.object({ changed: count, added: count, removed: count, ignored: count }).passthrough(),
    changes: z.array(
      z
        .object({
          path: z.string(),
          change: z.enum(['added', 'removed', 'changed']),
          old: z.unknown().optional(),
          new: z.unknown().optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough();

export type FleetReport = Strict<z.output<typeof fleetReportSchema>>;
export type DiffDocument = Strict<z.output<typeof diffDocumentSchema>>;
