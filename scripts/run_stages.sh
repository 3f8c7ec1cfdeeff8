#!/usr/bin/env bash
# Usage: scripts/run_stages.sh <make target>...
# Runs each make target in turn, times it, and prints a summary table at the end. Every stage
# runs even after a failure (so one run shows everything that is broken), unless FAIL_FAST=1;
# the exit status is non-zero if any stage failed.
set -uo pipefail
make_cmd="${MAKE:-make}"
names=() results=() times=()
failed=0
for stage in "$@"; do
    echo
    echo "===== make $stage"
    start=$(date +%s.%N)
    "$make_cmd" --no-print-directory "$stage"
    rc=$?
    end=$(date +%s.%N)
    names+=("$stage")
    times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')")
    if [ "$rc" -eq 0 ]; then results+=("ok"); else results+=("FAILED ($rc)"); failed=1; fi
    if [ "$rc" -ne 0 ] && [ "${FAIL_FAST:-0}" = 1 ]; then break; fi
done
echo
echo "===== summary"
for i in "${!names[@]}"; do
    printf '  %-15s %-12s %8ss\n' "${names[$i]}" "${results[$i]}" "${times[$i]}"
done
exit "$failed"
