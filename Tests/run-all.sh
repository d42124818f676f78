#!/usr/bin/env bash
# Runs every test of Units: the xunit suites of the whole solution, then the Pester suite when
# pwsh (with Pester 5) is on PATH. Ends with one summary line: "Tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet build Units.slnx -nologo -v q -clp:NoSummary || { echo "Tests: 0 passed, 1 failed"; exit 1; }
dotnet test Units.slnx --no-build -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

read -r passed failed skipped < <(grep -aoE 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" |
    awk -F'[:,]' '{f+=$2; p+=$4; s+=$6} END {print p+0, f+0, s+0}')

if command -v pwsh >/dev/null 2>&1; then
    pester_out=$(pwsh -NoProfile -NonInteractive -File Tests/Module/Invoke-UnitsPester.ps1 2>&1)
    pester_status=$?
    echo "$pester_out"
    read -r pp pf ps < <(echo "$pester_out" | grep -aoE '^Pester: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' | tail -n1 |
        awk '{print $2, $4, $6}')
    passed=$((passed + ${pp:-0})); failed=$((failed + ${pf:-0})); skipped=$((skipped + ${ps:-0}))
    [ "$pester_status" -ne 0 ] && [ "${pf:-0}" -eq 0 ] && { failed=$((failed + 1)); echo "Pester run failed ($pester_status)"; }
else
    echo "Pester tests not run: pwsh is not on PATH (Tests/Module/*.Tests.ps1 need PowerShell 7.4+ with Pester 5)."
fi

echo "Tests: $passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
