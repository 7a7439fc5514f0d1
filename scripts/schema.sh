#!/usr/bin/env bash
# The multi-language package's schema, as `pulumi package get-schema` infers it
# from the TypeScript sources in components/, against the committed
# components/schema.json (so that a pull request shows every change to what
# other languages see).
#   scripts/schema.sh          check: exit 1 with a diff when they differ
#   scripts/schema.sh --write  regenerate components/schema.json
# It works on a copy of the package's files, as `pulumi package add` fetches
# them: installing the package runs `npm install` in it, and a node_modules in
# components/ would give the root program a second @pulumi/pulumi.
# Needs the toolchain (scripts/toolchain.sh) or, with internet, a normal Pulumi.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-check}
case $mode in
    check | --write) ;;
    *) echo "usage: scripts/schema.sh [--write]" >&2; exit 2 ;;
esac

tools=${DASKK8S_TOOLS_DIR:-$HOME/.cache/daskk8s/tools}
if [ -x "$tools/bin/pulumi" ]; then
    # The offline toolchain, and the plugin cache it fills with the
    # Kubernetes provider (installing a package resolves plugins there).
    # shellcheck source=scripts/env.sh
    . scripts/env.sh
    export PULUMI_HOME=$tools/pulumi-home
fi
export npm_config_prefer_offline=true npm_config_audit=false npm_config_fund=false

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git ls-files -co --exclude-standard components | tar -cf - -T - | tar -xf - -C "$work"
if ! pulumi package get-schema "$work/components" >"$work/schema.json" 2>"$work/get-schema.log"; then
    cat "$work/get-schema.log" >&2
    echo "schema.sh: pulumi package get-schema failed" >&2
    exit 1
fi

if [ "$mode" = --write ]; then
    cp "$work/schema.json" components/schema.json
    echo "schema.sh: wrote components/schema.json"
elif ! diff -u components/schema.json "$work/schema.json"; then
    echo "schema.sh: components/schema.json is not what the sources give; run scripts/schema.sh --write and review the diff" >&2
    exit 1
else
    echo "schema.sh: components/schema.json matches the sources"
fi
