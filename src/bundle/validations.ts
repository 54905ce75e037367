/**
 * Registry validations (`validations:` of a registry component), run after values are computed.
 *
 * Functions: `CheckWorkloadSelectorMissing` (no --workload-selector) and
 * `CheckAcceleratedSelectorMissing` (no --accelerated-node-selector). A validation applies when its
 * `conditions` match the recipe criteria: every listed key must match (AND), any listed value of a
 * key may match (OR); unknown keys are ignored; no conditions = always. Warnings are returned as
 * notes; `severity: error` aborts with INVALID_REQUEST (exit 2). Unknown functions are reported as
 * notes and skipped.
 */
import { invalid } from '../errors/index.js';
import type { Criteria, RegistryValidation } from '../model/recipe.js';
import type { PlannedComponent } from './components.js';
import type { Scheduling } from './options.js';

const CONDITION_KEYS = ['intent', 'service', 'accelerator', 'os', 'platform'] as const;

export function conditionsMatch(
  conditions: Record<string, string[]> | undefined,
  criteria: Partial<Criteria> | undefined,
): boolean {
  if (!conditions || Object.keys(conditions).length === 0) return true;
  if (!criteria) return false;
  for (const key of CONDITION_KEYS) {
    const wanted = conditions[key];
    if (!wanted || wanted.length === 0) continue;
    const actual = criteria[key];
    if (actual === undefined || !wanted.map(String).includes(String(actual))) return false;
  }
  return true;
}

const CHECKS: Record<string, { flag: string; missing: (s: Scheduling) => boolean }> = {
  CheckWorkloadSelectorMissing: { flag: '--workload-selector', missing: (s) => !s.workloadSelector },
  CheckAcceleratedSelectorMissing: {
    flag: '--accelerated-node-selector',
    missing: (s) => !s.acceleratedNodeSelector,
  },
};

export interface ValidationOutcome {
  warnings: string[];
}

export function runValidations(
  components: PlannedComponent[],
  criteria: Partial<Criteria> | undefined,
  scheduling: Scheduling,
): ValidationOutcome {
  const warnings: string[] = [];
  for (const c of components) {
    for (const v of (c.registry?.validations ?? []) as RegistryValidation[]) {
      const check = CHECKS[v.function];
      if (!check) {
        warnings.push(`${c.name}: unknown registry validation "${v.function}" skipped`);
        continue;
      }
      if (!conditionsMatch(v.conditions, criteria)) continue;
      if (!check.missing(scheduling)) continue;
      const text = `${c.name} is enabled but ${check.flag} is not set${v.message ? `. ${v.message}` : ''}`;
      if ((v.severity ?? 'warning') === 'error') throw invalid(`component validation failed: ${text}`);
      warnings.push(text);
    }
  }
  return { warnings };
}
