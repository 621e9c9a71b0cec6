#!/usr/bin/env bash
# The README's test command after setup: style, types, unit tests, both driver builds, then the
# emulator tests (real Bochs / QEMU booting Debian's OVMF). Prints one closing line
# "N passed, N failed" that sums every stage.
set -uo pipefail
cd "$(dirname "$0")/.."
export HV_RESULTS_DIR="${HV_RESULTS_DIR:-$PWD/test-results}"
mkdir -p "$HV_RESULTS_DIR"

passed=0
failed=0
stage() { # stage NAME COMMAND...: a stage that is one check
  local name=$1
  shift
  echo "=== $name"
  if "$@"; then passed=$((passed + 1)); else
    echo "FAILED: $name"
    failed=$((failed + 1))
  fi
}
mocha_stage() { # mocha_stage NAME CONFIG: counts every mocha test
  local name=$1 log="$HV_RESULTS_DIR/$1.log"
  echo "=== $name"
  npx mocha --config "$2" 2>&1 | tee "$log"
  local p f
  p=$(grep -Eo '^ +[0-9]+ passing' "$log" | grep -Eo '[0-9]+' || echo 0)
  f=$(grep -Eo '^ +[0-9]+ failing' "$log" | grep -Eo '[0-9]+' || echo 0)
  if [[ "$p" == 0 && "$f" == 0 ]]; then f=1; echo "FAILED: $name ran no test"; fi
  passed=$((passed + p))
  failed=$((failed + f))
}

stage compile npx tsc -p .
stage lint npm run -s lint
stage format npm run -s format:check
[[ -f hv-driver/Makefile ]] && stage driver-host-tests make -s -C hv-driver test
# The debug stub's packet parser under libFuzzer + ASan/UBSan, seeded from the protocol vectors.
[[ -f hv-driver/stub/tests.mk ]] && stage stub-fuzz-short make -s -C hv-driver fuzz-short
mocha_stage unit test/mocharc.unit.json
mocha_stage targets test/mocharc.targets.json

echo "${passed} passed, ${failed} failed"
((failed == 0))
