#!/usr/bin/env bash
# Builds the Debian packages postgresql-15-tenantgate and tenantgate-server (CPack,
# packaging/CMakeLists.txt) in a build directory of their own, with Debian's hardening flags
# (dpkg-buildflags) and without the tests:
#
#   bash scripts/packages.sh [BUILD_DIR]       (default ./build-packages)
#
# → BUILD_DIR/packages/postgresql-15-tenantgate_<version>_<arch>.deb and
#   tenantgate-server_<version>_<arch>.deb, for `apt-get install ./….deb` (README.md, "Install
# from Debian packages"). The packages need Debian bookworm's postgresql-15 (pg_config's
# directories), as do the tests in tests/packages.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build-packages}

bash scripts/deps.sh
# Debian's compiler and linker flags for packages: -O2, stack protector, _FORTIFY_SOURCE, PIE,
# relro and bindnow (what lintian's hardening checks look for).
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cppflags=$(dpkg-buildflags --get CPPFLAGS)
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTG_BUILD_TESTS=OFF -DTG_BUILD_BENCH=OFF \
  "-DCMAKE_CXX_FLAGS=$cppflags $(dpkg-buildflags --get CXXFLAGS)" \
  "-DCMAKE_C_FLAGS=$cppflags $(dpkg-buildflags --get CFLAGS)" \
  "-DCMAKE_SHARED_LINKER_FLAGS=$(dpkg-buildflags --get LDFLAGS)" \
  "-DCMAKE_MODULE_LINKER_FLAGS=$(dpkg-buildflags --get LDFLAGS)" \
  "-DCMAKE_EXE_LINKER_FLAGS=$(dpkg-buildflags --get LDFLAGS)"
cmake --build "$BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)"
rm -rf "$BUILD_DIR/packages"
cpack --config "$BUILD_DIR/CPackConfig.cmake" -B "$BUILD_DIR/packages"
ls -l "$BUILD_DIR"/packages/*.deb
