#!/usr/bin/env bash
# Wall time from `uefi-hv boot` to the driver's banner ("hv: ... uefi-hv ... loaded at 0x..."),
# under Bochs and QEMU TCG: RUNS runs each (default 3), prints every run and the median.
# Usage: [PROFILES="bochs qemu-tcg"] test/bench/boot.sh [RUNS]   (after `npx tsc -p .`; builds the driver if needed)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
cli=out/extension/src/cli/main.js
[[ -f $cli ]] || { echo "bench: $cli missing: run npx tsc -p . first" >&2; exit 2; }
banner='hv: [0-9]+\.[0-9]{6} cpu0 INFO  uefi-hv \S+ loaded at 0x[0-9a-f]+'

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

for profile in ${PROFILES:-bochs qemu-tcg}; do
  times=()
  for ((i = 1; i <= runs; i++)); do
    start=$(date +%s.%N)
    if node "$cli" boot --profile "$profile" --until "$banner" --timeout 300 >/dev/null 2>/tmp/uefi-hv-bench.$$; then
      end=$(date +%s.%N)
      t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
      times+=("$t")
      printf 'bench: %-8s run %d: %6.2f s to banner\n' "$profile" "$i" "$t"
    else
      echo "bench: $profile run $i failed: $(tail -1 /tmp/uefi-hv-bench.$$)" >&2
    fi
  done
  rm -f /tmp/uefi-hv-bench.$$
  if ((${#times[@]})); then
    printf 'bench: %-8s median %6.2f s to banner over %d runs (load average %s)\n' "$profile" \
      "$(printf '%s\n' "${times[@]}" | median)" "${#times[@]}" "$(cut -d' ' -f1 /proc/loadavg)"
  fi
done
