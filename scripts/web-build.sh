#!/usr/bin/env bash
# Builds the browser app (web/, docs/web.md) into the build tree:
#
#   bash scripts/web-build.sh [BUILD_DIR]     (default ./build)  →  BUILD_DIR/web/dist
#
# The sources are copied to BUILD_DIR/web/app, `npm ci` installs web/package-lock.json's exact
# packages there (again only when the lockfile changed) and `vite build` writes dist/. Nothing
# is written into the source tree. Called by the CMake target `web`, by scripts/demo.sh and by
# the browser suite (tests/web/run.py). Needs node >= 18 and npm, and the npm registry for the
# first `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
BUILD_DIR=${1:-${BUILD_DIR:-$ROOT/build}}
mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd -P)
APP=$BUILD_DIR/web/app
DIST=$BUILD_DIR/web/dist

command -v npm >/dev/null 2>&1 || { echo "web-build: npm is missing (bash scripts/deps.sh installs it)" >&2; exit 1; }
mkdir -p "$APP"
# The app's sources, fresh each time (a removed source file must not linger in the copy).
rm -rf "$APP/src"
cp -R "$ROOT/web/src" "$APP/src"
cp "$ROOT/web/package.json" "$ROOT/web/package-lock.json" "$ROOT/web/index.html" "$ROOT/web/vite.config.js" "$APP/"

stamp=$APP/node_modules/.tg-lock
if ! { [[ -f $stamp ]] && cmp -s "$stamp" "$ROOT/web/package-lock.json"; }; then
  (cd "$APP" && npm ci --no-audit --no-fund --loglevel=error) || {
    echo "web-build: npm ci failed (the npm registry must be reachable)" >&2
    exit 1
  }
  cp "$ROOT/web/package-lock.json" "$stamp"
fi
(cd "$APP" && TG_WEB_OUT="$DIST" ./node_modules/.bin/vite build --logLevel warn)
[[ -f $DIST/index.html ]] || { echo "web-build: vite wrote no $DIST/index.html" >&2; exit 1; }
echo "web-build: $DIST"
