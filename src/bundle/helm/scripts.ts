/**
 * deploy.sh and undeploy.sh of the Helm bundle (bash; shellcheck-clean).
 *
 * deploy.sh installs components in deployment order: Helm charts with `helm upgrade --install`
 * (charts from their repository, values from the bundle), Kustomize components with
 * `kustomize build | kubectl apply`, manifest-only components with `kubectl apply`. Every step is
 * retried with backoff (attempt² × 5 s, at most 120 s); `--no-wait`, `--best-effort` and
 * `--retries N` tune it. Manifests of a chart are applied before the chart (tolerating resources
 * whose CRD the chart installs) and again after it.
 *
 * undeploy.sh removes them in reverse order, then cleans up webhooks, CRDs and namespaces.
 */
import type { PlannedComponent } from '../components.js';
import { scriptPath, shq } from '../shell.js';
import { helmChartArgs, kustomizeUrl } from './chart.js';

export interface ScriptComponent {
  c: PlannedComponent;
  hasManifests: boolean;
}

/** Charts installed without --wait: they only become ready once later components exist. */
export const ASYNC_COMPONENTS = ['kai-scheduler'];
/** Namespaces never deleted by undeploy.sh. */
export const PROTECTED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'default'];
/** CRD API groups that outlive their chart and break a later install when left behind. */
export const ORPHAN_CRD_GROUPS: Record<string, string> = {
  'kai-scheduler': 'kai.scheduler',
  'kubeflow-trainer': 'trainer.kubeflow.org',
};

/**
 * Tagged template for static bash: raw text (backslashes kept), where bash's own `${...}` is written
 * `\${...}` so that it is not a JavaScript substitution.
 */
function sh(strings: TemplateStringsArray, ...vals: unknown[]): string {
  return String.raw({ raw: strings.raw.map((x) => x.replace(/\\\$\{/g, '${')) }, ...vals);
}

function uniq(list: string[]): string[] {
  return list.filter((x, i) => list.indexOf(x) === i);
}

function words(list: string[]): string {
  return list.map(shq).join(' ');
}

const PREAMBLE_HELPERS = sh`
backoff_seconds() {
  local attempt="$1" secs
  secs=$((attempt * attempt * 5))
  if ((secs > 120)); then
    secs=120
  fi
  echo "\${secs}"
}

# retry CMD [ARGS...]: run CMD; on failure retry up to MAX_RETRIES times with backoff.
retry() {
  local attempt=0 delay
  while true; do
    if "$@"; then
      return 0
    fi
    attempt=$((attempt + 1))
    if ((attempt > MAX_RETRIES)); then
      echo "  giving up after \${attempt} attempts: $*" >&2
      return 1
    fi
    delay="$(backoff_seconds "\${attempt}")"
    echo "  attempt \${attempt} of $((MAX_RETRIES + 1)) failed; retrying in \${delay}s..." >&2
    sleep "\${delay}"
  done
}
`;

/**
 * The option loop shared by deploy.sh and undeploy.sh: boolean flags, one numeric option
 * (`--name N` or `--name=N`), `-h/--help`, then the check that helm and kubectl are installed.
 */
function optionLoop(
  flags: [flag: string, assignment: string][],
  numeric: { flag: string; need: string; variable: string },
): string {
  const f = numeric.flag;
  const cases = flags
    .map(([flag, assignment]) => `    ${flag})\n      ${assignment}\n      shift\n      ;;\n`)
    .join('');
  return `while [[ $# -gt 0 ]]; do
  case "$1" in
${cases}    ${f} | ${f}=*)
      if [[ "$1" == ${f}=* ]]; then
        value="\${1#${f}=}"
        shift
      else
        value="\${2:-}"
        shift $(($# > 1 ? 2 : 1))
      fi
      if [[ ! "\${value}" =~ ^[0-9]+$ ]]; then
        echo "ERROR: ${f} needs ${numeric.need}, got '\${value}'" >&2
        usage >&2
        exit 1
      fi
      ${numeric.variable}="\${value}"
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "ERROR: unknown option: $1" >&2
      usage >&2
      exit 1
      ;;
  esac
done

for tool in helm kubectl; do
  if ! command -v "\${tool}" >/dev/null 2>&1; then
    echo "ERROR: \${tool} is required but was not found on PATH" >&2
    exit 1
  fi
done
`;
}

/** `jq_list KIND [jq args]`: runs jq -r over `kubectl get KIND -o json` (nothing when that is empty). */
const JQ_LIST = sh`
jq_list() {
  local json
  json="$(kubectl get "$1" -o json 2>/dev/null || true)"
  if [[ -n "\${json}" ]]; then
    printf '%s\n' "\${json}" | jq -r "\${@:2}"
  fi
}
`;

function deployHelpers(): string {
  return sh`
component_failed() {
  local name="$1"
  if [[ "\${BEST_EFFORT}" == "true" ]]; then
    echo "WARNING: \${name} failed; continuing (--best-effort)" >&2
    FAILED_COMPONENTS+=("\${name}")
    return 0
  fi
  echo "ERROR: \${name} failed to deploy. Fix the cause and run ./deploy.sh again (re-running is safe)," >&2
  echo "       or use --best-effort to continue past failing components." >&2
  exit 1
}

ensure_namespace() {
  kubectl create namespace "$1" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
}

# kubectl apply that tolerates resources whose CRD is not installed yet (the chart installed next
# provides it; the manifests are applied again afterwards). Any other error or unexpected output fails.
apply_ignoring_crd_race() {
  local out rc=0 line
  out="$(kubectl apply "$@" 2>&1)" || rc=$?
  if [[ -n "\${out}" ]]; then
    printf '%s\n' "\${out}"
  fi
  if ((rc == 0)); then
    return 0
  fi
  while IFS= read -r line; do
    case "\${line}" in
      "") ;;
      *"no matches for kind"* | *"ensure CRDs are installed first"*) ;;
      *" created" | *" configured" | *" unchanged" | *" serverside-applied") ;;
      *) return "\${rc}" ;;
    esac
  done <<<"\${out}"
  echo "  (resources waiting for CRDs are applied again after the chart is installed)"
  return 0
}

kustomize_build() {
  if command -v kustomize >/dev/null 2>&1; then
    kustomize build "$1"
  else
    kubectl kustomize "$1"
  fi
}

kustomize_apply() {
  local url="$1" namespace="$2"
  kustomize_build "\${url}" | kubectl apply -n "\${namespace}" -f -
}

# Restart kubelet-plugin DaemonSets so they pick up devices prepared by earlier components.
restart_kubelet_plugins() {
  local namespace="$1" ds
  for ds in $(kubectl get daemonsets -n "\${namespace}" -o name 2>/dev/null | grep kubelet-plugin || true); do
    kubectl rollout restart "\${ds}" -n "\${namespace}" || echo "WARNING: could not restart \${ds}" >&2
  done
}

in_bundle_namespace() {
  local ns
  for ns in "\${BUNDLE_NAMESPACES[@]}"; do
    if [[ "\${ns}" == "$1" ]]; then
      return 0
    fi
  done
  return 1
}

preflight() {
  local failed=false ns phase kind webhook svc_ns svc_name apisvc
  echo "Running pre-flight checks..."
  for ns in "\${BUNDLE_NAMESPACES[@]}"; do
    phase="$(kubectl get namespace "\${ns}" -o jsonpath='{.status.phase}' 2>/dev/null || true)"
    if [[ "\${phase}" == "Terminating" ]]; then
      echo "ERROR: namespace \${ns} is stuck in Terminating; wait for it to go away or run ./undeploy.sh" >&2
      failed=true
    fi
  done
  if command -v jq >/dev/null 2>&1; then
    for kind in validatingwebhookconfigurations mutatingwebhookconfigurations; do
      while read -r webhook svc_ns svc_name; do
        if [[ -z "\${webhook}" ]]; then
          continue
        fi
        if in_bundle_namespace "\${svc_ns}" && ! kubectl get service "\${svc_name}" -n "\${svc_ns}" >/dev/null 2>&1; then
          echo "ERROR: \${kind} \${webhook} calls the missing service \${svc_ns}/\${svc_name}, so API requests in" >&2
          echo "       that namespace fail. Delete it: kubectl delete \${kind} \${webhook}" >&2
          failed=true
        fi
      done < <(jq_list "\${kind}" '.items[] | .metadata.name as $n | .webhooks[]? | select(.clientConfig.service != null) | "\($n) \(.clientConfig.service.namespace) \(.clientConfig.service.name)"' |
        sort -u)
    done
    while read -r apisvc; do
      if [[ -n "\${apisvc}" ]]; then
        echo "WARNING: APIService \${apisvc} is not available; API discovery may fail during install" >&2
      fi
    done < <(jq_list apiservices '.items[] | select(any(.status.conditions[]?; .type == "Available" and .status != "True")) | .metadata.name')
  else
    echo "  jq not found: skipping the webhook and APIService checks"
  fi
  check_orphaned_crds
  if [[ "\${failed}" == "true" ]]; then
    echo "Pre-flight checks failed." >&2
    exit 1
  fi
  echo "Pre-flight checks passed."
}
`;
}

function orphanCheck(components: ScriptComponent[]): string {
  const relevant = components.filter((s) => ORPHAN_CRD_GROUPS[s.c.name]);
  if (relevant.length === 0) return 'check_orphaned_crds() {\n  return 0\n}';
  const lines = ['check_orphaned_crds() {', '  local crds'];
  for (const { c } of relevant) {
    const group = ORPHAN_CRD_GROUPS[c.name];
    lines.push(
      `  crds="$(kubectl get crd -o name 2>/dev/null | grep -E ${shq(crdPattern(group))} | tr '\\n' ' ' || true)"`,
      `  if [[ -n "\${crds}" ]] && ! helm status ${shq(c.name)} -n ${shq(c.namespace)} >/dev/null 2>&1; then`,
      `    echo "WARNING: CRDs of ${group} exist without the ${c.name} release (left from an earlier install);" >&2`,
      `    echo "         if the install fails, delete them: kubectl delete \${crds}" >&2`,
      '  fi',
    );
  }
  lines.push('}');
  return lines.join('\n');
}

function crdPattern(group: string): string {
  return '\\.' + group.replace(/\./g, '\\.') + '$';
}

function deployStep(s: ScriptComponent, index: number, total: number): string {
  const { c } = s;
  const name = shq(c.name);
  const ns = shq(c.namespace);
  const dir = scriptPath(`${c.name}/manifests/`);
  const out: string[] = [`# --- ${index + 1}/${total}: ${c.name} (namespace ${c.namespace}) ---`];
  if (c.kind === 'kustomize') {
    out.push(
      `echo "Installing ${c.name} (${c.namespace}) via kustomize..."`,
      '{',
      `  ensure_namespace ${ns} &&`,
      `    retry kustomize_apply ${shq(kustomizeUrl(c))} ${ns}${s.hasManifests ? ' &&' : ''}`,
    );
    if (s.hasManifests) out.push(`    retry kubectl apply -n ${ns} -f ${dir}`);
    out.push(`} || component_failed ${name}`);
    return out.join('\n');
  }
  if (c.kind === 'manifest') {
    if (!s.hasManifests) {
      out.push(`echo "Skipping ${c.name}: no manifests were rendered for it"`);
      return out.join('\n');
    }
    out.push(
      `echo "Applying manifests for ${c.name} (${c.namespace})..."`,
      '{',
      `  ensure_namespace ${ns} &&`,
      `    retry kubectl apply -n ${ns} -f ${dir}`,
      `} || component_failed ${name}`,
    );
    return out.join('\n');
  }
  const wait = ASYNC_COMPONENTS.includes(c.name) ? '' : ' ${HELM_WAIT[@]+"${HELM_WAIT[@]}"}';
  const helm =
    `retry helm upgrade --install ${name} ${words(helmChartArgs(c))} -n ${ns} --create-namespace` +
    ` -f ${scriptPath(`${c.name}/values.yaml`)}${wait}`;
  out.push(`echo "Installing ${c.name} (${c.namespace})..."`, '{');
  const steps: string[] = [];
  if (s.hasManifests) {
    steps.push(`ensure_namespace ${ns}`, `retry apply_ignoring_crd_race -n ${ns} -f ${dir}`);
  }
  steps.push(helm);
  if (s.hasManifests) steps.push(`retry kubectl apply -n ${ns} -f ${dir}`);
  steps.forEach((st, i) => out.push(`${i === 0 ? '  ' : '    '}${st}${i < steps.length - 1 ? ' &&' : ''}`));
  out.push(`} || component_failed ${name}`);
  if (c.name === 'nvidia-dra-driver-gpu') out.push(`restart_kubelet_plugins ${ns}`);
  return out.join('\n');
}

export function deployScript(components: ScriptComponent[], toolVersion: string): string {
  const namespaces = uniq(components.map((s) => s.c.namespace));
  const steps = components.map((s, i) => deployStep(s, i, components.length));
  return `#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# Generated by AICR Bundler ${toolVersion}.
# Installs the bundle's components in deployment order:
${components.map((s, i) => `#   ${i + 1}. ${s.c.name} (${s.c.namespace})`).join('\n')}
# Requires helm and kubectl (jq enables extra pre-flight checks). Re-running is safe.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
MAX_RETRIES=5
HELM_WAIT=(--wait --timeout 10m)
BEST_EFFORT=false
FAILED_COMPONENTS=()
# Installed without --wait: they become ready only after later components exist.
ASYNC_COMPONENTS=${shq(ASYNC_COMPONENTS.join(' '))}
BUNDLE_NAMESPACES=(${words(namespaces)})
: "\${ASYNC_COMPONENTS}"

usage() {
  cat <<'EOF'
Usage: ./deploy.sh [--no-wait] [--best-effort] [--retries N]

Installs the components of this bundle in deployment order.

Options:
  --no-wait       do not wait for Helm releases to become ready
  --best-effort   continue when a component fails and list the failures at the end
  --retries N     retries per step (default 5), backing off 5s, 20s, 45s, 80s, then 120s
  -h, --help      show this help
EOF
}

${optionLoop(
  [
    ['--no-wait', 'HELM_WAIT=()'],
    ['--best-effort', 'BEST_EFFORT=true'],
  ],
  { flag: '--retries', need: 'a non-negative integer', variable: 'MAX_RETRIES' },
)}${PREAMBLE_HELPERS}${JQ_LIST}${deployHelpers()}
${orphanCheck(components)}

# Run helm from an empty directory so that the component folders here cannot shadow chart names.
WORK_DIR="$(mktemp -d)"
trap 'rm -rf "\${WORK_DIR}"' EXIT
cd "\${WORK_DIR}"

preflight
echo "Deploying Cloud Native Stack components..."

${steps.join('\n\n')}

if ((\${#FAILED_COMPONENTS[@]} > 0)); then
  echo "WARNING: the following components failed: \${FAILED_COMPONENTS[*]}" >&2
  exit 1
fi
echo "Deployment complete."
`;
}

function undeployStep(s: ScriptComponent): string {
  const { c } = s;
  const name = shq(c.name);
  const ns = shq(c.namespace);
  const out = [
    `# --- ${c.name} (namespace ${c.namespace}) ---`,
    `echo "Uninstalling ${c.name} (${c.namespace})..."`,
  ];
  if (s.hasManifests) {
    out.push(
      `kubectl delete -n ${ns} -f ${scriptPath(`${c.name}/manifests/`)} --ignore-not-found --wait=false || echo "WARNING: could not delete manifests of ${c.name}" >&2`,
    );
  }
  if (c.kind === 'kustomize') {
    out.push(
      `kustomize_build ${shq(kustomizeUrl(c))} | kubectl delete -n ${ns} --ignore-not-found --wait=false -f - || echo "WARNING: could not delete ${c.name}" >&2`,
    );
  } else if (c.kind === 'helm') {
    out.push(
      `helm_force_uninstall ${name} ${ns}`,
      `delete_release_leftovers ${name}`,
      `cleanup_orphaned_webhooks ${ns}`,
    );
  }
  return out.join('\n');
}

export function undeployScript(components: ScriptComponent[], toolVersion: string): string {
  const reversed = [...components].reverse();
  const namespaces = uniq(reversed.filter((s) => s.c.kind !== 'manifest').map((s) => s.c.namespace)).filter(
    (n) => !PROTECTED_NAMESPACES.includes(n),
  );
  const crdGroups = components.map((s) => ORPHAN_CRD_GROUPS[s.c.name]).filter(Boolean);
  const hasKai = components.some((s) => s.c.name === 'kai-scheduler');
  return `#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq filters are single-quoted on purpose
# Generated by AICR Bundler ${toolVersion}.
# Removes the bundle's components in reverse deployment order:
${reversed.map((s, i) => `#   ${i + 1}. ${s.c.name} (${s.c.namespace})`).join('\n')}
# then cleans up their webhooks, CRDs and namespaces. Requires helm and kubectl (jq recommended).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
KEEP_NAMESPACES=false
DELETE_PVCS=false
TIMEOUT=120
BUNDLE_NAMESPACES=(${words(namespaces)})
CRD_PATTERNS=(${words(crdGroups.map(crdPattern))})

usage() {
  cat <<'EOF'
Usage: ./undeploy.sh [--keep-namespaces] [--delete-pvcs] [--timeout SECONDS]

Uninstalls the components of this bundle in reverse deployment order.

Options:
  --keep-namespaces   do not delete the components' namespaces
  --delete-pvcs       also delete PersistentVolumeClaims in those namespaces (data loss!)
  --timeout SECONDS   timeout of each helm uninstall (default 120)
  -h, --help          show this help
EOF
}

${optionLoop(
  [
    ['--keep-namespaces', 'KEEP_NAMESPACES=true'],
    ['--delete-pvcs', 'DELETE_PVCS=true'],
  ],
  { flag: '--timeout', need: 'a number of seconds', variable: 'TIMEOUT' },
)}
kustomize_build() {
  if command -v kustomize >/dev/null 2>&1; then
    kustomize build "$1"
  else
    kubectl kustomize "$1"
  fi
}

${JQ_LIST}
# helm uninstall; when hooks or finalizers block it, retry with --no-hooks.
helm_force_uninstall() {
  local name="$1" namespace="$2"
  if ! helm status "\${name}" -n "\${namespace}" >/dev/null 2>&1; then
    echo "  release \${name} not found in \${namespace}; skipping"
    return 0
  fi
  if ! helm uninstall "\${name}" -n "\${namespace}" --wait --timeout "\${TIMEOUT}s"; then
    echo "  helm uninstall of \${name} failed; retrying with --no-hooks" >&2
    helm uninstall "\${name}" -n "\${namespace}" --no-hooks --timeout "\${TIMEOUT}s" ||
      echo "WARNING: could not uninstall \${name}" >&2
  fi
}

# Webhook configurations and CRDs labelled with the release outlive helm uninstall.
delete_release_leftovers() {
  local release="$1"
  kubectl delete validatingwebhookconfigurations,mutatingwebhookconfigurations \\
    -l "app.kubernetes.io/instance=\${release}" --ignore-not-found || true
  kubectl delete crd -l "app.kubernetes.io/instance=\${release}" --ignore-not-found --wait=false || true
}

# Deletes webhook configurations whose service lives in the namespace but no longer exists: they
# would block every API request they match.
cleanup_orphaned_webhooks() {
  local namespace="$1" kind webhook svc_name
  if ! command -v jq >/dev/null 2>&1; then
    return 0
  fi
  for kind in validatingwebhookconfigurations mutatingwebhookconfigurations; do
    while read -r webhook svc_name; do
      if [[ -z "\${webhook}" ]]; then
        continue
      fi
      if ! kubectl get service "\${svc_name}" -n "\${namespace}" >/dev/null 2>&1; then
        echo "  deleting \${kind} \${webhook} (its service \${namespace}/\${svc_name} is gone)"
        kubectl delete "\${kind}" "\${webhook}" --ignore-not-found || true
      fi
    done < <(jq_list "\${kind}" --arg ns "\${namespace}" '.items[] | .metadata.name as $n | .webhooks[]? | select(.clientConfig.service.namespace? == $ns) | "\\($n) \\(.clientConfig.service.name)"' |
      sort -u)
  done
}

echo "Uninstalling Cloud Native Stack components..."

${reversed.map(undeployStep).join('\n\n')}

for pattern in \${CRD_PATTERNS[@]+"\${CRD_PATTERNS[@]}"}; do
  for crd in $(kubectl get crd -o name 2>/dev/null | grep -E "\${pattern}" || true); do
    echo "Deleting orphaned \${crd}"
    kubectl delete "\${crd}" --ignore-not-found --wait=false || true
  done
done

if [[ "\${KEEP_NAMESPACES}" == "true" ]]; then
  echo "Keeping namespaces (--keep-namespaces)."
else
  echo "Clean up namespaces..."
  for ns in \${BUNDLE_NAMESPACES[@]+"\${BUNDLE_NAMESPACES[@]}"}; do
    if ! kubectl get namespace "\${ns}" >/dev/null 2>&1; then
      continue
    fi
    if [[ "\${DELETE_PVCS}" == "true" ]]; then
      echo "  deleting PersistentVolumeClaims in \${ns}"
      kubectl delete pvc --all -n "\${ns}" --ignore-not-found --wait=false || true
    fi
    cleanup_orphaned_webhooks "\${ns}"
    echo "  deleting namespace \${ns}"
    kubectl delete namespace "\${ns}" --ignore-not-found --wait=false || true
  done
${hasKai ? '  kubectl delete namespace kai-resource-reservation --ignore-not-found --wait=false || true\n' : ''}
  echo "Waiting for namespaces to terminate..."
  deadline=$((SECONDS + 60))
  for ns in \${BUNDLE_NAMESPACES[@]+"\${BUNDLE_NAMESPACES[@]}"}; do
    while kubectl get namespace "\${ns}" >/dev/null 2>&1 && ((SECONDS < deadline)); do
      sleep 2
    done
    if kubectl get namespace "\${ns}" >/dev/null 2>&1; then
      if command -v jq >/dev/null 2>&1; then
        echo "  namespace \${ns} is still terminating; clearing its finalizers"
        kubectl get namespace "\${ns}" -o json | jq '.spec.finalizers = []' |
          kubectl replace --raw "/api/v1/namespaces/\${ns}/finalize" -f - >/dev/null || true
      else
        echo "WARNING: namespace \${ns} is still terminating (install jq to clear its finalizers)" >&2
      fi
    fi
  done
fi

echo "Final webhook cleanup..."
for ns in \${BUNDLE_NAMESPACES[@]+"\${BUNDLE_NAMESPACES[@]}"}; do
  cleanup_orphaned_webhooks "\${ns}"
done

for ns in \${BUNDLE_NAMESPACES[@]+"\${BUNDLE_NAMESPACES[@]}"}; do
  if [[ "\${KEEP_NAMESPACES}" != "true" ]] && kubectl get namespace "\${ns}" >/dev/null 2>&1; then
    echo "WARNING: namespace \${ns} still exists" >&2
  fi
done
: "\${SCRIPT_DIR}"
echo "Undeployment complete."
`;
}
