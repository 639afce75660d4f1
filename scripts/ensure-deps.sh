#!/usr/bin/env bash
# Installs what camino needs on a Debian/Ubuntu machine when it is missing:
#   clickhouse  clickhouse-server and clickhouse-client (Debian's packages)
#   chromium    headless Chromium for the browser tests (and the board report's PDF)
#   poppler     pdftotext (poppler-utils), with which the tests read the report's PDF
#   assets      front-end packages from the npm registry into web/node_modules
# Usage: scripts/ensure-deps.sh clickhouse [chromium] [poppler] [assets]
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "ensure-deps: not root and no sudo; install the packages below by hand" >&2
  fi
fi

apt_updated=""
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "ensure-deps: $* missing and this is not a Debian/Ubuntu machine (no apt-get); install it by hand" >&2
    exit 1
  fi
  if [ -z "$apt_updated" ]; then
    echo "ensure-deps: apt-get update"
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  echo "ensure-deps: apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

have_clickhouse() {
  command -v clickhouse-server >/dev/null || [ -x /usr/sbin/clickhouse-server ] || [ -x /usr/bin/clickhouse-server ] ||
    [ -n "${CAMINO_CLICKHOUSE_SERVER:-}" ]
}

for dep in "$@"; do
  case "$dep" in
    clickhouse)
      have_clickhouse || apt_install clickhouse-server clickhouse-client ;;
    chromium)
      command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || apt_install chromium ;;
    poppler)
      command -v pdftotext >/dev/null || apt_install poppler-utils ;;
    assets)
      # Reinstall when the lock changed since the last install.
      stamp=web/node_modules/.camino-lock
      if [ ! -f "$stamp" ] || ! cmp -s web/package-lock.json "$stamp"; then
        command -v npm >/dev/null || apt_install npm
        echo "ensure-deps: npm ci (web/)"
        (cd web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
        cp web/package-lock.json "$stamp"
      fi ;;
    *)
      echo "ensure-deps: unknown dependency $dep" >&2; exit 2 ;;
  esac
done
