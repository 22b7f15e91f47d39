# Installs the web app's pinned packages (when the lock file changed) and
# builds it into web/dist, where the server embeds it from. Sourced by the
# demo and test scripts.
build_web() {
  local web
  web="$(cd "$(dirname "${BASH_SOURCE[0]}")/../web" && pwd)"
  if ! command -v npm >/dev/null; then
    echo "the web app needs Node.js 20 or newer with npm (Debian: apt-get install nodejs npm)" >&2
    return 1
  fi
  if [ ! -f "$web/node_modules/.package-lock.json" ] ||
    [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
    (cd "$web" && npm ci --no-audit --no-fund)
  fi
  (cd "$web" && npm run --silent build)
}
