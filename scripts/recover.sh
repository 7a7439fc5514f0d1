#!/usr/bin/env bash
# Makes a stack usable again after a `pulumi up` or `destroy` that was killed
# (SIGKILL, a closed laptop, a cancelled CI job): `scripts/recover.sh STACK`.
# scripts/up.sh runs it before every `pulumi up`. It says what it did:
#  - the stack's lock (file backends): cleared when every lock file was taken
#    on this machine by a process that is gone; a lock held by a live process,
#    or taken on another machine, is reported and never touched (exit 3);
#  - 0-byte `.attrs` files next to the state (a write cut short), which make
#    every command fail with "failed to load checkpoint: EOF": removed;
#  - pending creates in the state (resources whose creation was under way):
#    cleared and listed; what they left in the cluster is adopted by the next
#    `pulumi up`, whose server-side apply takes over objects of the same name,
#    or, where the config changed since, by one run with `adoptExisting`
#    (docs/operations.md, "If a run was interrupted").
# Needs the pulumi CLI and node on PATH, and the stack's backend selected as
# for `pulumi up` (PULUMI_BACKEND_URL or `pulumi login`).
# The node snippets use JavaScript template literals, not shell expansions.
# shellcheck disable=SC2016
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 1 ]; then
    echo "usage: scripts/recover.sh STACK" >&2
    exit 2
fi
stack=$1
project=$(sed -n 's/^name: *//p' Pulumi.yaml | head -1)
say() { echo "recover: $*"; }

backend=$(pulumi whoami --json 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).url??"")}catch{console.log("")}})')
state_dir=
case $backend in
    file://*)
        state_dir=${backend#file://}
        state_dir=${state_dir%%\?*}
        [ "$state_dir" = "~" ] && state_dir=$HOME
        state_dir=${state_dir/#\~\//$HOME/}
        ;;
esac

# --- the lock ---------------------------------------------------------------
if [ -z "$state_dir" ]; then
    say "the backend is not a file:// folder: its lock and files are its own (\`pulumi cancel\` for a lock); checking pending operations only"
else
    # Project layout (.pulumi/meta.yaml version 1, Pulumi's default) or the legacy one.
    if grep -qs '^version: *1' "$state_dir/.pulumi/meta.yaml"; then
        lock_dir=$state_dir/.pulumi/locks/organization/$project/$stack
        stacks_dir=$state_dir/.pulumi/stacks/$project
    else
        lock_dir=$state_dir/.pulumi/locks/$stack
        stacks_dir=$state_dir/.pulumi/stacks
    fi
    locks=()
    if [ -d "$lock_dir" ]; then
        mapfile -t locks < <(find "$lock_dir" -maxdepth 1 -name '*.json' -type f | sort)
    fi
    if [ ${#locks[@]} -gt 0 ]; then
        here=$(hostname)
        stale=()
        for lock in "${locks[@]}"; do
            # pid, hostname and start time of the run that holds the lock
            read -r pid host started < <(node -e '
                const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
                console.log(`${l.pid ?? 0} ${l.hostname ?? "?"} ${l.timestamp ?? "?"}`);' "$lock" 2>/dev/null || echo "0 ? ?")
            if [ "$host" != "$here" ]; then
                say "stack $stack is locked by process $pid on $host since $started: not this machine, so whether it still runs cannot be told here; left alone" >&2
                say "if no run is going on there, \`pulumi cancel --stack $stack\` clears the lock" >&2
                exit 3
            fi
            # /proc, not kill -0: another user's live process answers EPERM.
            if [ "$pid" -gt 0 ] && [ -d "/proc/$pid" ]; then
                say "stack $stack is locked by process $pid ($(ps -o comm= -p "$pid" 2>/dev/null || echo '?')), running since $started: let it finish; left alone" >&2
                exit 3
            fi
            stale+=("pid $pid, since $started")
        done
        # Only the files looked at: a run starting now keeps its new lock.
        for lock in "${locks[@]}"; do
            rm -f "$lock" "$lock.attrs"
        done
        say "cleared the stack's lock: the run that took it is gone (${stale[*]})"
    fi

    # --- truncated attributes -----------------------------------------------
    if [ -d "$stacks_dir" ]; then
        while IFS= read -r attrs; do
            rm -f "$attrs"
            say "removed the empty ${attrs#"$state_dir"/} (a write cut short; it made every command fail with 'failed to load checkpoint: EOF')"
        done < <(find "$stacks_dir" -maxdepth 1 -name "$stack.json*.attrs" -type f -size 0)
    fi
fi

# --- pending operations -----------------------------------------------------
if ! pulumi stack ls --json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        process.exit(JSON.parse(s || "[]").some((x) => x.name === process.argv[1] || x.name.endsWith(`/${process.argv[1]}`)) ? 0 : 1);
    });' "$stack"; then
    exit 0 # no such stack yet: nothing to recover
fi
pending=$(pulumi stack export --stack "$stack" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
        const ops = JSON.parse(s).deployment?.pending_operations ?? [];
        for (const op of ops) {
            const r = op.resource ?? {};
            const name = r.inputs?.metadata?.name;
            const ns = r.inputs?.metadata?.namespace;
            console.log(`${op.type}\t${r.type}\t${ns ? `${ns}/` : ""}${name ?? r.urn.split("::").pop()}`);
        }
    });')
if [ -z "$pending" ]; then
    exit 0
fi
say "the last run was cut short while these operations were under way:"
printf '%s\n' "$pending" | sed 's/^/    /' | tr '\t' ' '
creating=$(printf '%s\n' "$pending" | grep -c '^creating' || true)
# The setting that lets the provider take over conflicting fields: on the
# stack's cluster target (eks, or kubeconfig for minikube/existing).
adopt_key=kubeconfig
if pulumi config get --stack "$stack" "${project}:target" 2>/dev/null | grep -qx eks; then
    adopt_key=eks
fi
others=$(printf '%s\n' "$pending" | grep -vc '^creating' || true)
if [ "$creating" -gt 0 ]; then
    pulumi refresh --yes --skip-preview --clear-pending-creates --stack "$stack" >/dev/null
    say "cleared $creating pending create(s) and refreshed the state; objects they left in the cluster are adopted by the next \`pulumi up\`"
    say "if that run stops with 'Server-Side Apply field conflict' (the config changed since), run it once with" \
        "\`pulumi config set --path ${project}:${adopt_key}.adoptExisting true\`, then \`pulumi config rm --path ${project}:${adopt_key}.adoptExisting\`"
fi
if [ "$others" -gt 0 ]; then
    say "$others pending update/delete operation(s) stay in the state: \`pulumi refresh --stack $stack\` reads their resources back from the cluster" >&2
fi
