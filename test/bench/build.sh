#!/usr/bin/env bash
# Build times of the driver: clean and incremental (one .c touched), standalone and EDK2 GCC,
# through the CLI as a user runs it. Prints one line per figure; no assertion on speed.
#   bash test/bench/build.sh [TARGET]      (default DEBUG; needs `npx tsc -p .` first)
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET=${1:-DEBUG}
CLI=(node out/extension/src/cli/main.js build)
[[ -f out/extension/src/cli/main.js ]] || { echo "bench: compile first: npx tsc -p ." >&2; exit 1; }
EDK2=$(node -e 'console.log(require("./out/test/support/edk2.js").prepareEdk2())')
WS=$(mktemp -d /tmp/uefi-hv-bench-ws-XXXXXX)
trap 'rm -rf "$WS"' EXIT
TOUCHED=hv-driver/boot/entry.c

seconds() { # seconds COMMAND...: wall time of a command whose output is discarded
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }'
}
size_of() { stat -c %s "$1"; }

rm -rf "hv-driver/build/$TARGET"
printf 'standalone %s clean:        %6.2f s\n' "$TARGET" "$(seconds "${CLI[@]}" --target "$TARGET")"
touch "$TOUCHED"
printf 'standalone %s incremental:  %6.2f s\n' "$TARGET" "$(seconds "${CLI[@]}" --target "$TARGET")"
printf 'standalone %s no-op:        %6.2f s\n' "$TARGET" "$(seconds "${CLI[@]}" --target "$TARGET")"
echo "standalone $TARGET sizes: HvDxe.efi $(size_of "hv-driver/build/$TARGET/HvDxe.efi") B, HvLoader.efi $(size_of "hv-driver/build/$TARGET/HvLoader.efi") B, HvDxe.debug $(size_of "hv-driver/build/$TARGET/HvDxe.debug") B"

EDK=("${CLI[@]}" --edk2 "$EDK2" --edk2-tag GCC --target "$TARGET" --edk2-workspace "$WS")
printf 'EDK2 GCC %s clean:          %6.2f s\n' "$TARGET" "$(seconds "${EDK[@]}")"
touch "$TOUCHED"
printf 'EDK2 GCC %s incremental:    %6.2f s\n' "$TARGET" "$(seconds "${EDK[@]}")"
OUT="$WS/Build/HvPkg/${TARGET}_GCC/X64"
echo "EDK2 GCC $TARGET sizes: HvDxe.efi $(size_of "$OUT/HvDxe.efi") B, HvLoader.efi $(size_of "$OUT/HvLoader.efi") B"
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"
