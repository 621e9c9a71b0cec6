#!/usr/bin/env bash
# Installs code-server (VS Code 1.99.3 in the browser) into the git-ignored tools/ folder, once.
# A second run with it present returns at once (CI caches tools/). Traps handled (see README, e2e):
#  - as root its postinstall refuses without unsafe-perm;
#  - node-pty's postinstall runs `npx node-gyp`, which npm_config_yes=false would cancel;
#  - kerberos needs libkrb5-dev;
#  - @vscode/ripgrep downloads rg from GitHub (no internet here) unless a tarball of Debian's rg is
#    already in its cache folder under $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=4.99.3
DIR=tools/code-server-$VERSION
BIN=$DIR/node_modules/.bin/code-server
if [[ -x $BIN ]] && [[ -f $DIR/.installed ]]; then
  echo "$PWD/$BIN"
  exit 0
fi
for tool in rg chromium; do
  command -v "$tool" >/dev/null || {
    echo "install-code-server: $tool missing: sudo apt-get install -y chromium libkrb5-dev ripgrep" >&2
    exit 2
  }
done
[[ -f /usr/include/krb5.h || -f /usr/include/krb5/krb5.h ]] || {
  echo "install-code-server: libkrb5-dev missing: sudo apt-get install -y libkrb5-dev" >&2
  exit 2
}
rm -rf "$DIR"
mkdir -p "$DIR/tmp"
TMP=$(cd "$DIR/tmp" && pwd)
RG_CACHE=$TMP/vscode-ripgrep-cache-1.15.11
mkdir -p "$RG_CACHE" "$TMP/rg/bin"
cp "$(command -v rg)" "$TMP/rg/bin/rg" # the tarball holds rg at its top level
tar -czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$TMP/rg/bin" rg
echo '{"name":"uefi-hv-e2e-tools","private":true}' >"$DIR/package.json"
echo "install-code-server: npm install code-server@$VERSION into $DIR (about 3 minutes)" >&2
(
  cd "$DIR"
  TMPDIR=$TMP npm_config_unsafe_perm=true npm_config_yes=true \
    npm install --no-audit --no-fund --unsafe-perm --foreground-scripts --loglevel=error \
    "code-server@$VERSION" >install.log 2>&1
) || {
  echo "install-code-server: npm install failed; last lines of $DIR/install.log:" >&2
  tail -20 "$DIR/install.log" >&2
  exit 1
}
rm -rf "$TMP"
touch "$DIR/.installed"
echo "$PWD/$BIN"
