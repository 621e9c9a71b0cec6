#!/usr/bin/env bash
# End-to-end tests in a real VS Code (code-server + Debian's Chromium). Installs the e2e
# prerequisites (apt: chromium libkrb5-dev ripgrep; code-server into tools/, cached), compiles,
# then runs test/e2e/run.ts. Screenshots: test-results/e2e/*.png.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash .ci/setup --e2e
npx tsc -p .
exec node out/test/e2e/run.js "$@"
