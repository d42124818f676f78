#!/usr/bin/env bash
# Loads 10,000 generated unit files (services with drop-ins, template instances) with Units and with
# real systemd 252 (via /work/shared/reference-systemd/run-systemd.sh, as root) in the same run, and
# prints median wall and CPU time, peak RSS and the ratios. Not part of CI.
#   bench/unit-loading/run.sh [--runs N] [--units N] [--tree DIR] [--no-systemd]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${TMPDIR:-/tmp}/unit-loading-bench-bin
dotnet publish "$here" -c Release -r linux-x64 -nologo -v q -o "$out" >/dev/null
exec "$out/Units.UnitFiles.Bench" "$@"
