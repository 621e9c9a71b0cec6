#!/usr/bin/env bash
# The grammar stage of test/run-all.sh: assertion fixtures (vscode-tmgrammar-test), our own driver package
# files through the grammars and parsers, then the tokenizer benchmark (prints figures, asserts nothing).
set -uo pipefail
cd "$(dirname "$0")/../.."
rc=0
npx vscode-tmgrammar-test "test/grammars/*.{inf,dec,dsc,fdf,uni,hvlog}" || rc=1
node out/test/grammars/check-package-files.js hv-driver || rc=1
node out/test/bench/tokenize.js || rc=1
exit $rc
