#!/usr/bin/env bash
# A CI job: snapshot -> recipe -> validate (schema + constraints + policy) -> bundle.
# Any failing step fails the job: a document that does not match its schema (exit 2), a failed
# constraint or a policy message (exit 9).
#
#   AICR=aicr OUT=out bash docs/examples/ci/validate-job.sh
#
# Variables: AICR (the aicr command), OUT (output folder), CRITERIA (criteria file), POLICIES (a .rego
# file or folder), SNAPSHOT (use this snapshot instead of capturing one, e.g. from the agent).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
AICR=${AICR:-aicr}
OUT=${OUT:-out}
CRITERIA=${CRITERIA:-$here/../criteria.yaml}
POLICIES=${POLICIES:-$here/../policies}
mkdir -p "$OUT"

# 1. What the cluster runs (on a GPU node, or with --deploy-agent).
if [ -n "${SNAPSHOT:-}" ]; then
  cp "$SNAPSHOT" "$OUT/snapshot.yaml"
else
  $AICR snapshot -o "$OUT/snapshot.yaml"
fi

# 2. The recipe for the team's criteria.
$AICR recipe --criteria "$CRITERIA" -o "$OUT/recipe.yaml"

# 3. Validate: the documents' schemas, the recipe's constraints, the team's policies.
$AICR validate --schema v1 "$OUT/snapshot.yaml" "$OUT/recipe.yaml"
$AICR validate -r "$OUT/recipe.yaml" -s "$OUT/snapshot.yaml" --policy "$POLICIES" \
  -t json -o "$OUT/validation.json"
$AICR validate --schema v1 "$OUT/validation.json"

# 4. Deployment artifacts, only for a recipe that passed.
$AICR bundle -r "$OUT/recipe.yaml" -o "$OUT/bundle"
echo "bundle ready in $OUT/bundle"
