#!/usr/bin/env bash
# Builds the real servers and tools the test suites run against, from the Go module proxy, into a cache
# outside the clone keyed by name and version:
#   ${AICR_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aicr/tools}/<name>-<version>/bin/<binary>
# Usage: scripts/tools/install.sh [NAME...]      (no name: all of them)
#        scripts/tools/install.sh --path [NAME...] prints the bin folders (for PATH), building nothing
# A tool that cannot be built prints a warning and is skipped (its tests skip with a printed reason); the
# exit status is 0 unless a name is unknown. Each build is bounded by AICR_TOOL_BUILD_TIMEOUT (default 2700 s).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${AICR_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aicr/tools}
limit=${AICR_TOOL_BUILD_TIMEOUT:-2700}

# name|version|binary|how (go install: a package path; wrapper: a folder of scripts/tools holding a go.mod)
TOOLS='
helm|v3.16.4|helm|install:helm.sh/helm/v3/cmd/helm
registry|v3.1.2|registry|install:github.com/distribution/distribution/v3/cmd/registry
opa|v1.22.3|opa|install:github.com/open-policy-agent/opa
promtool|v0.316.0|promtool|install:github.com/prometheus/prometheus/cmd/promtool
jaeger|v1.76.0|jaeger|tool:github.com/jaegertracing/jaeger/cmd/jaeger
s3server|gofakes3-v1.2.0-r3|s3server|wrapper:s3server
'

row() { printf '%s\n' "$TOOLS" | awk -F'|' -v n="$1" '$1==n'; }
names() { printf '%s\n' "$TOOLS" | awk -F'|' 'NF==4{print $1}'; }

print_path=0
if [ "${1:-}" = "--path" ]; then print_path=1; shift; fi
want=("$@")
[ "${#want[@]}" -eq 0 ] && mapfile -t want < <(names)

for name in "${want[@]}"; do
  r=$(row "$name")
  if [ -z "$r" ]; then echo "error: unknown tool '$name' (known: $(names | tr '\n' ' '))" >&2; exit 2; fi
  IFS='|' read -r _ version binary how <<<"$r"
  dir="$cache/$name-$version"
  if [ "$print_path" = 1 ]; then echo "$dir/bin"; continue; fi
  if [ -x "$dir/bin/$binary" ]; then continue; fi
  if ! command -v go >/dev/null 2>&1; then echo "warning: no Go toolchain; $name $version not built" >&2; continue; fi
  echo "building $name $version (cache: $dir)" >&2
  start=$(date +%s)
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/aicr-tool-$name.XXXXXX")
  ok=0
  case "$how" in
    install:*)
      pkg=${how#install:}
      GOBIN="$tmp/bin" CGO_ENABLED=0 timeout "$limit" go install -trimpath -ldflags='-s -w' "$pkg@$version" && ok=1 ;;
    tool:*)
      pkg=${how#tool:}
      (cd "$tmp" && go mod init aicr.local/tool-"$name" >/dev/null 2>&1 &&
        timeout "$limit" go get -tool "$pkg@$version" &&
        CGO_ENABLED=0 timeout "$limit" go build -trimpath -ldflags='-s -w' -o "$tmp/bin/$binary" "$pkg") && ok=1 ;;
    wrapper:*)
      src="$here/${how#wrapper:}"
      cp -r "$src/." "$tmp/src" 2>/dev/null || { mkdir -p "$tmp/src" && cp -r "$src/." "$tmp/src"; }
      (cd "$tmp/src" && CGO_ENABLED=0 timeout "$limit" go build -mod=mod -trimpath -ldflags='-s -w' -o "$tmp/bin/$binary" .) && ok=1 ;;
  esac
  if [ "$ok" = 1 ] && [ -x "$tmp/bin/$binary" ]; then
    chmod 755 "$tmp" && mkdir -p "$cache" && rm -rf "$dir.new" && mv "$tmp" "$dir.new" && rm -rf "$dir" && mv "$dir.new" "$dir"
    echo "built $name $version in $(( $(date +%s) - start ))s" >&2
  else
    rm -rf "$tmp"
    echo "warning: $name $version could not be built; the tests that need it are skipped" >&2
  fi
done
