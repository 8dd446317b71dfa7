#!/usr/bin/env bash
# Installs the Debian (bookworm) packages tenantgate needs to build, test and run — only
# the missing ones, so a second run costs a second. Run as root (or with sudo available).
#
# The list is PACKAGES below plus any `packages.txt` (one package per line, `#` comments)
# inside server/, tests/<suite>/ or bench/, so each area declares what its own code needs.
#
# Installing postgresql-15 makes Debian create and start a system cluster on port 5432;
# tenantgate never uses it and leaves it alone (its tests run private clusters).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each line names who needs it, so an audit can check the list against the build and tests.
PACKAGES=(
  build-essential cmake g++ pkg-config                      # configure (server/ uses pkg_check_modules)
  clang libclang-rt-14-dev                                  # tests/fuzz (clang++ -fsanitize=fuzzer)
  clang-format-14                                           # the format check
  clang-tidy-14                                             # the static checks (.clang-tidy)
  libgtest-dev libgmock-dev                                 # tests/unit, tests/http's C++ helpers
  postgresql-15 postgresql-server-dev-15 postgresql-contrib postgresql-15-pgtap pgbouncer
  libssl-dev libpq-dev libcpp-httplib-dev nlohmann-json3-dev
  openssl                                                   # tests/http makes a TLS certificate
  curl ca-certificates python3 procps iproute2 util-linux passwd
  nodejs                                                    # tests/interop
)
# npm (tests/interop) from Debian only when none is on PATH: a NodeSource nodejs bundles its
# own npm and conflicts with Debian's npm package.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)
shopt -s nullglob
for list in server/packages.txt tests/*/packages.txt bench/packages.txt; do
  [[ -f $list ]] || continue
  while read -r pkg _; do
    [[ -z $pkg || $pkg == \#* ]] || PACKAGES+=("$pkg")
  done <"$list"
done

installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
# Drop duplicates while keeping the order.
if (( ${#missing[@]} )); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')
fi

if (( ${#missing[@]} == 0 )); then
  echo "deps.sh: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "deps.sh: missing ${missing[*]}; run as root" >&2; exit 1; }
  SUDO=(sudo)
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
"${SUDO[@]}" apt-get "${APT_OPTS[@]}" update -q
"${SUDO[@]}" apt-get "${APT_OPTS[@]}" install -y -q --no-install-recommends "${missing[@]}"

still=()
for pkg in "${missing[@]}"; do installed "$pkg" || still+=("$pkg"); done
if (( ${#still[@]} )); then
  echo "deps.sh: still missing after apt-get: ${still[*]}" >&2
  exit 1
fi
echo "deps.sh: done"
