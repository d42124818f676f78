#!/usr/bin/env bash
# The main job on the embedded default: build unitsd, run it as a user instance over the units in this folder
# (no root needed), and drive it with the real systemctl to show it working.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")

if [ -z "${UNITS_DEMO_INSIDE:-}" ]; then
    echo "== building unitsd"
    dotnet build "$repo/Engine/Daemon" -c Release -nologo -v q -clp:NoSummary
    if [ ! -d /run/systemd/system ]; then
        # systemctl starts and stops units only on a machine booted with systemd (/run/systemd/system exists).
        # Where that is not so (a container, a CI runner), give the demo a private /run that says so.
        userns=(); [ "$(id -u)" -eq 0 ] || userns=(--map-root-user)
        exec unshare "${userns[@]}" --mount --propagation private \
            env UNITS_DEMO_INSIDE=private-run bash -c 'mount -t tmpfs -o mode=755 tmpfs /run && mkdir -p /run/systemd/system && exec bash "$0"' "$0"
    fi
    export UNITS_DEMO_INSIDE=host
fi

unitsd="$repo/Engine/Daemon/bin/Release/net9.0/unitsd"
runtime=$(mktemp -d -t units-demo.XXXXXX)
chmod 700 "$runtime"
export XDG_RUNTIME_DIR=$runtime SYSTEMD_PAGER= SYSTEMD_COLORS=0
ctl() { echo; echo "\$ systemctl --user $*"; systemctl --user --no-pager "$@" || true; }

echo "== starting unitsd --user over $here (runtime directory $runtime)"
"$unitsd" --user --unit-path="$here" --unit=demo.target 2>"$runtime/unitsd.log" &
manager=$!
cleanup() { kill "$manager" 2>/dev/null && wait "$manager" 2>/dev/null; echo; echo "== unitsd's own log"; cat "$runtime/unitsd.log"; rm -rf "$runtime"; }
trap cleanup EXIT
for _ in $(seq 1 200); do [ -S "$runtime/systemd/private" ] && break; sleep 0.05; done
[ -S "$runtime/systemd/private" ] || { echo "unitsd did not come up"; exit 1; }
until [ "$(systemctl --user is-system-running 2>/dev/null)" != starting ]; do sleep 0.05; done

ctl is-system-running
ctl list-units --all
ctl status hello.service
ctl start broken.service
ctl list-units --all --state=failed
ctl restart hello.service
ctl show -p MainPID,NRestarts,ActiveState hello.service
ctl list-unit-files
ctl stop demo.target hello.service ticker.service setup.service
ctl list-units --all
