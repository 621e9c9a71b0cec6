#!/usr/bin/env bash
# Checks (or with --fix, applies) clang-format on every C source and header of the driver and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- 'hv-driver/*.c' 'hv-driver/*.h' 'test/*.c' 'test/*.h')
((${#files[@]})) || exit 0
if [[ "${1:-}" == --fix ]]; then
  clang-format -i --style=file "${files[@]}"
else
  clang-format --dry-run --Werror --style=file "${files[@]}"
fi
