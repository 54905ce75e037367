#!/usr/bin/env bash
# up.sh - (copy of ../shared/tools/realkube/up.sh, kept in the repo so CI does not depend on it;
# changes: REALKUBE_BIN, RBAC set up with curl so kubectl is not needed)
# bring up a REAL Kubernetes control plane (etcd + kube-apiserver, optionally
# kube-controller-manager) on 127.0.0.1, built only from the Go module proxy.
#
# Needs: Go >= 1.26 (for k8s v1.37), openssl, curl. No containers, no GitHub downloads.
# Everything listens on 127.0.0.1 only. Idempotent: reuses binaries/PKI if present.
#
# Env knobs:
#   REALKUBE_DIR   work dir (default $TMPDIR/realkube, or /tmp/realkube)
#   K8S_VERSION    k8s.io/kubernetes version (default v1.37.2); staging modules use v0.<minor>.<patch>
#   ETCD_VERSION   go.etcd.io/etcd/server/v3 version (default v3.6.7)
#   APISERVER_PORT secure port (default 6443)
#   ETCD_PORT      etcd client port (default 2379; peer = +1, metrics = +2)
#   KCM_PORT / SCHEDULER_PORT  secure (health) ports (default 10257 / 10259)
#   WITH_KCM=1     also build + run kube-controller-manager (namespace deletion, GC, job
#                  controller, serviceaccount "default" creation). Default 1.
#   WITH_SCHEDULER=1  also build + run kube-scheduler (pods get bound to the fake nodes). Default 0.
#   TEST_NS        namespace the restricted user may use (default aicr-test)
#   REALKUBE_BIN   where the binaries are built/cached (default $REALKUBE_DIR/bin); keep it outside
#                  the state dir to reuse the binaries across runs
#
# Outputs: $REALKUBE_DIR/kubeconfig-admin, $REALKUBE_DIR/kubeconfig-restricted,
#          logs in $REALKUBE_DIR/logs, pids in $REALKUBE_DIR/run/*.pid
set -euo pipefail

ROOT=${REALKUBE_DIR:-${TMPDIR:-/tmp}/realkube}
K8S_VERSION=${K8S_VERSION:-v1.37.2}
ETCD_VERSION=${ETCD_VERSION:-v3.6.7}
APISERVER_PORT=${APISERVER_PORT:-6443}
ETCD_PORT=${ETCD_PORT:-2379}
WITH_KCM=${WITH_KCM:-1}
WITH_SCHEDULER=${WITH_SCHEDULER:-0}
KCM_PORT=${KCM_PORT:-10257}
SCHEDULER_PORT=${SCHEDULER_PORT:-10259}
TEST_NS=${TEST_NS:-aicr-test}
STAGING_VERSION="v0.${K8S_VERSION#v1.}"            # v1.37.2 -> v0.37.2
K8S_MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)

BIN=${REALKUBE_BIN:-$ROOT/bin}; PKI=$ROOT/pki; RUN=$ROOT/run; LOGS=$ROOT/logs; SRC=$ROOT/src
mkdir -p "$BIN" "$PKI" "$RUN" "$LOGS" "$SRC"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false
log() { echo "[up.sh $(date +%H:%M:%S)] $*" >&2; }

# ---------------------------------------------------------------- build etcd
build_etcd() {
  [ -x "$BIN/etcd" ] && return 0
  log "building etcd $ETCD_VERSION from the Go module proxy"
  local d=$SRC/etcd; mkdir -p "$d"
  # server/v3 carries replace directives, so 'go install ...@v' is refused; a wrapper module
  # that requires it (its replaces are ignored as a dependency) builds fine.
  cat > "$d/go.mod" <<EOF
module local/etcdbuild

go 1.24

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
EOF
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > "$d/tools.go"
  (cd "$d" && go mod tidy && go build -trimpath -ldflags='-s -w' -o "$BIN/etcd" go.etcd.io/etcd/server/v3)
}

# ---------------------------------------------------------------- build kube-apiserver (+kcm)
build_k8s() {
  local need=0
  [ -x "$BIN/kube-apiserver" ] || need=1
  [ "$WITH_KCM" = 1 ] && { [ -x "$BIN/kube-controller-manager" ] || need=1; }
  [ "$WITH_SCHEDULER" = 1 ] && { [ -x "$BIN/kube-scheduler" ] || need=1; }
  [ $need = 0 ] && return 0
  log "building kube-apiserver (kcm=$WITH_KCM scheduler=$WITH_SCHEDULER) $K8S_VERSION from the Go module proxy"
  local d=$SRC/k8s; mkdir -p "$d/kube-apiserver" "$d/kube-controller-manager" "$d/kube-scheduler"
  local info mod moddir
  info=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION")
  mod=$(echo "$info" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  moddir=$(echo "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  # k8s.io/kubernetes requires k8s.io/<staging> v0.0.0 + replace => ./staging (not in the module
  # zip). Re-point every staging module to its published v0.<minor>.<patch> tag.
  {
    printf 'module local/k8sbuild\n\ngo 1.26.0\n\ngodebug default=go1.26\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$mod" |
      grep -v -E '^k8s.io/sample-(cli-plugin|controller)$' |
      while read -r m; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"; done
    printf ')\n'
  } > "$d/go.mod"
  # main packages are copied verbatim from the release
  sed -n '/^package main/,$p' "$moddir/cmd/kube-apiserver/apiserver.go" > "$d/kube-apiserver/main.go"
  sed -n '/^package main/,$p' "$moddir/cmd/kube-controller-manager/controller-manager.go" > "$d/kube-controller-manager/main.go"
  sed -n '/^package main/,$p' "$moddir/cmd/kube-scheduler/scheduler.go" > "$d/kube-scheduler/main.go"
  local bd ld p
  bd=$(date -u +%Y-%m-%dT%H:%M:%SZ); ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$K8S_MINOR -X $p.gitTreeState=clean -X $p.buildDate=$bd"
  done
  (cd "$d" && go mod tidy && go build -trimpath -ldflags "$ld" -o "$BIN/kube-apiserver" ./kube-apiserver)
  if [ "$WITH_KCM" = 1 ]; then
    (cd "$d" && go build -trimpath -ldflags "$ld" -o "$BIN/kube-controller-manager" ./kube-controller-manager)
  fi
  if [ "$WITH_SCHEDULER" = 1 ]; then
    (cd "$d" && go build -trimpath -ldflags "$ld" -o "$BIN/kube-scheduler" ./kube-scheduler)
  fi
}

# ---------------------------------------------------------------- PKI
gen_pki() {
  [ -f "$PKI/ca.crt" ] && return 0
  log "generating PKI in $PKI"
  ( cd "$PKI"
    openssl genrsa -out ca.key 2048 2>/dev/null
    openssl req -x509 -new -nodes -key ca.key -subj "/CN=realkube-ca" -days 3650 -out ca.crt
    cat > apiserver.ext <<'CNF'
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.0.0.1
CNF
    openssl genrsa -out apiserver.key 2048 2>/dev/null
    openssl req -new -key apiserver.key -subj "/CN=kube-apiserver" -out apiserver.csr
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    client() {
      openssl genrsa -out "$1.key" 2048 2>/dev/null
      openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
      printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' > "$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    }
    client admin "/O=system:masters/CN=admin"
    client restricted "/CN=restricted"
    client kcm "/CN=system:kube-controller-manager"
    client scheduler "/CN=system:kube-scheduler"
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    # static bearer tokens: token,user,uid,"groups"
    echo "$(openssl rand -hex 16),admin-token,admin-token-uid,\"system:masters\"" > tokens.csv
    echo "$(openssl rand -hex 16),restricted-token,restricted-token-uid," >> tokens.csv
  )
}

kubeconfig() { # name user cert key
  local b64="base64 -w0"
  cat > "$ROOT/kubeconfig-$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: realkube
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $($b64 < "$PKI/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $($b64 < "$3")
    client-key-data: $($b64 < "$4")
contexts:
- name: $2@realkube
  context: {cluster: realkube, user: $2}
current-context: $2@realkube
EOF
}

alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

wait_for() { # desc timeout cmd...
  local desc=$1 t=$2; shift 2
  for _ in $(seq "$t"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  log "timed out waiting for $desc"; return 1
}

start_etcd() {
  alive etcd && { log "etcd already running"; return 0; }
  log "starting etcd on 127.0.0.1:$ETCD_PORT"
  mkdir -p "$RUN/etcd"
  nohup "$BIN/etcd" --name realkube --data-dir "$RUN/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT+1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT+1))" \
    --initial-cluster "realkube=http://127.0.0.1:$((ETCD_PORT+1))" \
    --listen-metrics-urls "http://127.0.0.1:$((ETCD_PORT+2))" \
    --unsafe-no-fsync --quota-backend-bytes=4294967296 \
    > "$LOGS/etcd.log" 2>&1 &
  echo $! > "$RUN/etcd.pid"
  wait_for etcd 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
}

start_apiserver() {
  alive kube-apiserver && { log "kube-apiserver already running"; return 0; }
  log "starting kube-apiserver on https://127.0.0.1:$APISERVER_PORT"
  nohup "$BIN/kube-apiserver" \
    --bind-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --advertise-address=127.0.0.1 --endpoint-reconciler-type=none \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" --token-auth-file="$PKI/tokens.csv" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --cert-dir="$RUN/apiserver-certs" \
    > "$LOGS/kube-apiserver.log" 2>&1 &
  echo $! > "$RUN/kube-apiserver.pid"
  wait_for "kube-apiserver /readyz" 120 curl -fsS --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$APISERVER_PORT/readyz"
}

start_kcm() {
  [ "$WITH_KCM" = 1 ] || return 0
  alive kube-controller-manager && { log "kube-controller-manager already running"; return 0; }
  log "starting kube-controller-manager (secure port 127.0.0.1:$KCM_PORT)"
  kubeconfig kcm system:kube-controller-manager "$PKI/kcm.crt" "$PKI/kcm.key"
  nohup "$BIN/kube-controller-manager" \
    --kubeconfig="$ROOT/kubeconfig-kcm" \
    --authentication-kubeconfig="$ROOT/kubeconfig-kcm" --authorization-kubeconfig="$ROOT/kubeconfig-kcm" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$RUN/kcm-certs" \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --controllers='*,-node-ipam-controller,-node-lifecycle-controller,-persistentvolume-attach-detach-controller,-persistentvolume-binder-controller,-persistentvolume-expander-controller,-ttl-controller' \
    > "$LOGS/kube-controller-manager.log" 2>&1 &
  echo $! > "$RUN/kube-controller-manager.pid"
  wait_for "kube-controller-manager /healthz" 60 curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz"
}

start_scheduler() {
  [ "$WITH_SCHEDULER" = 1 ] || return 0
  alive kube-scheduler && { log "kube-scheduler already running"; return 0; }
  log "starting kube-scheduler (secure port 127.0.0.1:$SCHEDULER_PORT)"
  kubeconfig scheduler system:kube-scheduler "$PKI/scheduler.crt" "$PKI/scheduler.key"
  nohup "$BIN/kube-scheduler" \
    --kubeconfig="$ROOT/kubeconfig-scheduler" \
    --authentication-kubeconfig="$ROOT/kubeconfig-scheduler" --authorization-kubeconfig="$ROOT/kubeconfig-scheduler" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --leader-elect=false \
    > "$LOGS/kube-scheduler.log" 2>&1 &
  echo $! > "$RUN/kube-scheduler.pid"
  wait_for "kube-scheduler /healthz" 60 curl -fsSk "https://127.0.0.1:$SCHEDULER_PORT/healthz"
}

api() { # method path json
  curl -fsS -o /dev/null --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    -X "$1" -H 'Content-Type: application/json' --data "$3" "https://127.0.0.1:$APISERVER_PORT$2"
}

# Namespace $TEST_NS and a Role/RoleBinding giving the restricted user everything in it (POST, or PUT
# when it exists: idempotent).
setup_rbac() {
  local rb=/apis/rbac.authorization.k8s.io/v1/namespaces/$TEST_NS
  api POST /api/v1/namespaces "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$TEST_NS\"}}" 2>/dev/null || true
  local role="{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"Role\",\"metadata\":{\"name\":\"restricted-all\",\"namespace\":\"$TEST_NS\"},\"rules\":[{\"apiGroups\":[\"*\"],\"resources\":[\"*\"],\"verbs\":[\"*\"]}]}"
  local binding="{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"RoleBinding\",\"metadata\":{\"name\":\"restricted-all\",\"namespace\":\"$TEST_NS\"},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"restricted-all\"},\"subjects\":[{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"User\",\"name\":\"restricted\"},{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":\"User\",\"name\":\"restricted-token\"}]}"
  api POST "$rb/roles" "$role" 2>/dev/null || api PUT "$rb/roles/restricted-all" "$role"
  api POST "$rb/rolebindings" "$binding" 2>/dev/null || api PUT "$rb/rolebindings/restricted-all" "$binding"
}

build_etcd
build_k8s
gen_pki
kubeconfig admin admin "$PKI/admin.crt" "$PKI/admin.key"
kubeconfig restricted restricted "$PKI/restricted.crt" "$PKI/restricted.key"
start_etcd
start_apiserver
start_kcm
start_scheduler
setup_rbac
log "control plane up: export KUBECONFIG=$ROOT/kubeconfig-admin (restricted user: $ROOT/kubeconfig-restricted, namespace $TEST_NS)"
