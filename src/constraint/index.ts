/** Constraint engine: version semantics, expressions, snapshot paths, evaluation and the validate result. */
export {
  parseVersion,
  tryParseVersion,
  compareVersions,
  versionsEqual,
  formatVersion,
  looksLikeVersion,
  type Version,
} from './version.js';
export {
  OPERATORS,
  parseConstraintExpression,
  evaluateExpression,
  formatExpression,
  type Operator,
  type ConstraintExpression,
} from './expression.js';
export { parseConstraintPath, resolveReading, readingToText, type ConstraintPath } from './path.js';
export {
  evaluateConstraint,
  checkOverlayConstraint,
  evaluateDeploymentConstraint,
  deploymentComponent,
  plainMessage,
  type ConstraintInput,
  type ConstraintStatus,
  type ConstraintResult,
  type OverlayConstraintCheck,
} from './evaluate.js';
export {
  SNAPSHOT_PHASES,
  recipeConstraints,
  validateRecipe,
  summarize,
  overallStatus,
  type SnapshotPhase,
  type RecipeConstraintsSource,
  type RecipeConstraints,
  type ValidationStatus,
  type ValidationEntry,
  type ValidationSummary,
  type ValidationResult,
  type ValidateOptions,
} from './recipe.js';
export { renderValidationTable, summaryLine } from './table.js';
