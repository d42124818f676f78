#!/usr/bin/env bash
# API benchmark: systemctl 252 against real systemd 252 and against unitsd, both user instances under
# shared/reference-systemd/run-systemd.sh, in the same run, on the same unit files:
#   list-units --all with 1,000 and 10,000 loaded units, status of one service, show of one service.
# Each command runs REPS times inside the instance's namespaces (one nsenter for the whole loop, so the times are
# systemctl's and the manager's); the managers alternate size by size. Prints medians and the ratio unitsd/systemd
# (target: at most 1.0).
#   dotnet publish Engine/Daemon -c Release -r linux-x64      (or UNITSD=path/to/unitsd)
#   bash bench/api/run.sh [SIZES=1000,10000] [REPS=15]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
run_systemd=$repo/../shared/reference-systemd/run-systemd.sh
unitsd=${UNITSD:-$repo/Engine/Daemon/bin/Release/net9.0/linux-x64/publish/unitsd}
sizes=${SIZES:-1000,10000}
reps=${REPS:-15}
export SDREF_ROOT=${SDREF_ROOT:-/tmp/units-bench-api}
[ -x "$unitsd" ] || { echo "no unitsd at $unitsd: dotnet publish Engine/Daemon -c Release -r linux-x64, or set UNITSD=" >&2; exit 2; }
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); unitsd: $unitsd"

names=(sd us)
trap 'for n in "${names[@]}"; do "$run_systemd" stop "bench-$n" >/dev/null 2>&1 || true; done' EXIT

# Median of the milliseconds a command takes, REPS runs, measured inside the instance.
median_ms() {
    local name=$1; shift
    "$run_systemd" as "$name" bash -c '
        reps=$1; shift
        for i in $(seq "$reps"); do
            start=$(date +%s%N); "$@" >/dev/null 2>&1 || true; end=$(date +%s%N)
            echo $(( (end - start) / 1000 ))
        done' _ "$reps" "$@" | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
}

start_instance() {
    local name=$1 binary=$2 size=$3
    "$run_systemd" stop "$name" >/dev/null 2>&1 || true
    if [ -n "$binary" ]; then SYSTEMD=$binary "$run_systemd" start "$name" >/dev/null; else "$run_systemd" start "$name" >/dev/null; fi
    local dir; dir=$("$run_systemd" dir "$name")
    # SIZE loaded units: instances of a template, loaded because a target that is never started wants them;
    # default.target orders itself after that target, which loads it.
    printf '[Unit]\nDescription=Bench unit %%i\n[Service]\nType=oneshot\nExecStart=/bin/true\n' > "$dir/b@.service"
    { printf '[Unit]\nDescription=Bench\n'; for i in $(seq "$size"); do printf 'Wants=b@%d.service\n' "$i"; done; } > "$dir/bench.target"
    mkdir -p "$dir/default.target.d"
    printf '[Unit]\nAfter=bench.target\n' > "$dir/default.target.d/bench.conf"
    printf '[Unit]\nDescription=Probe\n[Service]\nExecStart=/bin/sleep infinity\n' > "$dir/probe.service"
    "$run_systemd" ctl "$name" daemon-reload
    "$run_systemd" ctl "$name" start probe.service
}

printf '%-24s %10s %10s %8s\n' "command" "systemd ms" "unitsd ms" "ratio"
IFS=, read -ra size_list <<< "$sizes"
first=1
for size in "${size_list[@]}"; do
    start_instance bench-sd "" "$size"
    start_instance bench-us "$unitsd" "$size"
    loaded=$("$run_systemd" ctl bench-us list-units --all --no-legend --plain | wc -l)
    echo "# $size bench units ($loaded units listed by unitsd)"
    commands=("list-units --all")
    [ "$first" = 1 ] && commands+=("status probe.service" "show probe.service")
    first=0
    for command in "${commands[@]}"; do
        read -ra words <<< "$command"
        sd=$(median_ms bench-sd systemctl --user --no-pager "${words[@]}")
        us=$(median_ms bench-us systemctl --user --no-pager "${words[@]}")
        printf '%-24s %10s %10s %8s\n' "$command ($size)" "$sd" "$us" "$(awk -v a="$us" -v b="$sd" 'BEGIN { printf "%.2f", a / b }')"
    done
    "$run_systemd" stop bench-sd >/dev/null; "$run_systemd" stop bench-us >/dev/null
done
