#!/usr/bin/env bash
# down.sh - (copy of ../shared/tools/realkube/down.sh; honours REALKUBE_BIN)
# stop the control plane started by up.sh (by PID file only) and, with --purge,
# delete its state (etcd data, PKI, kubeconfigs). Binaries in $REALKUBE_DIR/bin are kept
# unless --purge-all.
set -uo pipefail
ROOT=${REALKUBE_DIR:-${TMPDIR:-/tmp}/realkube}
RUN=$ROOT/run
for c in kube-scheduler kube-controller-manager kube-apiserver etcd; do
  f=$RUN/$c.pid
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "stopped $c (pid $pid)"
  fi
  rm -f "$f"
done
case "${1:-}" in
  --purge) rm -rf "$RUN" "$ROOT/pki" "$ROOT"/kubeconfig-* ; echo "purged state" ;;
  --purge-all) rm -rf "$RUN" "$ROOT/pki" "$ROOT"/kubeconfig-* "${REALKUBE_BIN:-$ROOT/bin}" "$ROOT/src" "$ROOT/logs"; echo "purged state and binaries" ;;
esac
