#!/usr/bin/env bash
# packages_smoke: the Debian packages, built from this build tree, on a fresh Debian bookworm.
#
#   bash tests/packages/run.sh BUILD_DIR WORK_DIR
#
#  1. cpack → BUILD_DIR/packages/postgresql-15-tenantgate_*.deb and tenantgate-server_*.deb.
#  2. Their contents: every file a plain `cmake --install` writes into PostgreSQL's directories
#     is in the extension package (no install rule outside the component), the control fields
#     (Depends from dpkg-shlibdeps), the conffile and its mode; lintian when installed (the
#     tests' packages.txt installs it): no error, warnings printed; `systemd-analyze verify` of
#     the unit.
#  3. A fresh bookworm: a debootstrap minbase image (cached as WORK_DIR/base.tar, or the tarball
#     named by TG_DEBIAN_BASE_TAR), unpacked into a tmpfs of its own mount and PID namespaces
#     (every file, mount and process of the test ends with them; the host's /dev is not bound,
#     only its null/zero/full/random/urandom/tty nodes). There chroot-smoke.sh runs `apt-get
#     install ./….deb` from Debian's archive (this machine's mirror), a PostgreSQL 15 cluster on
#     a free port, CREATE EXTENSION, a tenant and a user, tenantgate-server as the user
#     tenantgate with the packaged env file, a login and GET /api, a reinstall, `apt-get remove`
#     (no server process left) and purge. Its output: WORK_DIR/chroot.log.
# Needs root (debootstrap, chroot, namespaces): exits 77 (CTest SKIP) otherwise. Only the
# build tree and WORK_DIR are written; the host's packages and PostgreSQL stay untouched.
set -euo pipefail
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: packages_smoke needs root (debootstrap, chroot, namespaces); run it as root, as .ci/run does"
  exit 77
fi
BUILD=$(cd "$1" && pwd -P)
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd -P)
SOURCES=/etc/apt/sources.list.d/debian.sources
t0=$(date +%s)
phase() { echo "== packages_smoke: $* ($(( $(date +%s) - t0 )) s)"; }
fail() { echo "packages_smoke: FAIL: $*" >&2; exit 1; }
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd -P)

phase "cpack"
OUT=$BUILD/packages
rm -rf "$OUT"
cpack --config "$BUILD/CPackConfig.cmake" -B "$OUT" >"$WORK/cpack.log" 2>&1 || { cat "$WORK/cpack.log"; fail "cpack"; }
shopt -s nullglob
ext=("$OUT"/postgresql-15-tenantgate_*.deb)
srv=("$OUT"/tenantgate-server_*.deb)
(( ${#ext[@]} == 1 && ${#srv[@]} == 1 )) || { ls -l "$OUT"; fail "expected one .deb of each package in $OUT"; }
ext=${ext[0]}; srv=${srv[0]}
for deb in "$ext" "$srv"; do
  echo "$(basename "$deb"): $(stat -c %s "$deb") bytes, installed size $(dpkg-deb -f "$deb" Installed-Size) KiB"
done

phase "contents"
# What `cmake --install` puts into PostgreSQL's directories, staged under DESTDIR.
staging=$WORK/staging
rm -rf "$staging"
DESTDIR=$staging cmake --install "$BUILD" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; fail "cmake --install into $staging"; }
(cd "$staging" && find usr/lib/postgresql usr/share/postgresql -type f | sort) >"$WORK/installed.txt"
dpkg-deb --fsys-tarfile "$ext" | tar -t | sed -n 's|^\./||; /\/$/d; p' | sort >"$WORK/ext-files.txt"
[[ -s $WORK/installed.txt ]] || fail "cmake --install wrote nothing into PostgreSQL's directories"
missing=$(comm -23 "$WORK/installed.txt" "$WORK/ext-files.txt")
[[ -z $missing ]] || fail "installed by cmake --install but not in $(basename "$ext"): $missing"
grep -qx 'usr/lib/postgresql/15/lib/tenantgate.so' "$WORK/ext-files.txt" || fail "no tenantgate.so in the package"
grep -q '^usr/share/postgresql/15/extension/tenantgate--.*\.sql$' "$WORK/ext-files.txt" || fail "no SQL script in the package"
echo "extension package: $(grep -c '^usr/share/postgresql/15/extension/' "$WORK/ext-files.txt") files in the extension directory, as installed"

field() { dpkg-deb -f "$1" "$2"; }
has_dep() {  # has_dep DEB PACKAGE: PACKAGE is one of the Depends alternatives
  field "$1" Depends | tr ',|' '\n\n' | sed 's/(.*//; s/ //g' | grep -qx "$2" \
    || fail "$(basename "$1"): Depends '$(field "$1" Depends)' lacks $2"
}
has_dep "$ext" postgresql-15; has_dep "$ext" libssl3
has_dep "$srv" libpq5; has_dep "$srv" libssl3; has_dep "$srv" adduser
echo "Depends of $(field "$ext" Package): $(field "$ext" Depends)"
echo "Depends of $(field "$srv" Package): $(field "$srv" Depends)"
ctl=$WORK/control-server
rm -rf "$ctl"; dpkg-deb -e "$srv" "$ctl"
grep -qx /etc/tenantgate/server.env "$ctl/conffiles" || fail "server.env is not a conffile"
for s in postinst prerm postrm; do [[ -x $ctl/$s ]] || fail "no executable $s"; sh -n "$ctl/$s"; done
listing=$(dpkg-deb -c "$srv")
grep -Eq '^-rw-r----- root/root .* \./etc/tenantgate/server\.env$' <<<"$listing" || fail "server.env is not 0640 root:root in the package"
grep -Eq '^-rwxr-xr-x root/root .* \./usr/bin/tenantgate-server$' <<<"$listing" || fail "no /usr/bin/tenantgate-server"
grep -Eq ' \./lib/systemd/system/tenantgate-server\.service$' <<<"$listing" || fail "no systemd unit"

if command -v lintian >/dev/null; then
  phase "lintian"
  # --fail-on error: an error fails the test; warnings and the rest are printed.
  lintian --fail-on error --display-info "$ext" "$srv" 2>&1 | tee "$WORK/lintian.log" \
    || fail "lintian found errors (above)"
else
  echo "lintian: not installed here (tests/packages/packages.txt lists it), not run"
fi
if command -v systemd-analyze >/dev/null; then
  phase "systemd-analyze verify"
  unitroot=$WORK/unitroot
  rm -rf "$unitroot"; mkdir -p "$unitroot"
  dpkg-deb -x "$srv" "$unitroot"
  # The unit as packaged, but for ExecStart naming the extracted binary (verify checks that it
  # is executable; --root would need a whole systemd tree).
  mkdir -p "$unitroot/check"
  sed "s|^ExecStart=/usr/bin/tenantgate-server|ExecStart=$unitroot/usr/bin/tenantgate-server|" \
    "$unitroot/lib/systemd/system/tenantgate-server.service" >"$unitroot/check/tenantgate-server.service"
  out=$(systemd-analyze verify "$unitroot/check/tenantgate-server.service" 2>&1) || {
    echo "$out"; fail "systemd-analyze verify"; }
  [[ -z $out ]] || { echo "$out"; fail "systemd-analyze verify printed warnings"; }
  echo "systemd-analyze verify: no warning"
fi

phase "fresh bookworm image"
base=${TG_DEBIAN_BASE_TAR:-$WORK/base.tar}
if [[ ! -f $base ]]; then
  command -v debootstrap >/dev/null || fail "debootstrap is not installed (bash scripts/deps.sh installs it)"
  mirror=$(awk '/^URIs:/ {print $2; exit}' "$SOURCES" 2>/dev/null || true)
  [[ -n $mirror ]] || fail "no Debian mirror in $SOURCES"
  rm -rf "$WORK/base"
  echo "debootstrap --variant=minbase bookworm from $mirror (log $WORK/debootstrap.log)"
  debootstrap --variant=minbase bookworm "$WORK/base" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log"; fail "debootstrap"; }
  tar -C "$WORK/base" -cf "$base.tmp" . && mv "$base.tmp" "$base" && rm -rf "$WORK/base"
fi
# Two free ports of this machine (the chroot shares its network): PostgreSQL and the server.
read -r pg_port http_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')

# The chroot lives in a mount namespace whose mounts never reach the host; that needs / to be a
# mount point ("unshare --propagation private"). Inside a chroot whose root is a plain directory
# (e.g. ../shared/tools/fresh-debian-check.sh) it is not: skip then, rather than mount where the
# host would see it. The checks above (cpack, contents, lintian, the unit) have run and passed.
if ! unshare --mount --propagation private true 2>/dev/null; then
  echo "packages_smoke: SKIP the install in a fresh bookworm: no private mount namespace here (/ is not a mount point: a chroot?)"
  exit 77
fi
phase "in the chroot (log $WORK/chroot.log)"
# The image is unpacked into a tmpfs of the namespace: nothing to clean up on the disk, and
# whatever the smoke test leaves (files, processes, mounts) ends with the namespace.
ROOT=$WORK/root
mkdir -p "$ROOT"
rc=0
PG_PORT=$pg_port HTTP_PORT=$http_port unshare --mount --pid --fork --propagation private bash -c '
  set -e
  ROOT=$1 BASE=$2 SOURCES=$3; shift 3
  mount -t tmpfs -o mode=0755,size=3g tmpfs "$ROOT"
  tar -C "$ROOT" -xf "$BASE"
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  rm -f "$ROOT/etc/apt/sources.list"; mkdir -p "$ROOT/etc/apt/sources.list.d"; cp "$SOURCES" "$ROOT/etc/apt/sources.list.d/"
  mkdir -p "$ROOT/smoke"; cp "$@" "$ROOT/smoke/"
  mount -t proc proc "$ROOT/proc"
  mount -t tmpfs -o mode=0755,size=64m tmpfs "$ROOT/dev"
  for n in null zero full random urandom tty; do touch "$ROOT/dev/$n"; mount --bind "/dev/$n" "$ROOT/dev/$n"; done
  mkdir -p "$ROOT/dev/shm" "$ROOT/dev/pts"
  mount -t tmpfs -o mode=1777,size=256m tmpfs "$ROOT/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$ROOT/dev/pts"
  ln -s pts/ptmx "$ROOT/dev/ptmx"
  ln -s /proc/self/fd "$ROOT/dev/fd"
  ln -s /proc/self/fd/0 "$ROOT/dev/stdin"; ln -s /proc/self/fd/1 "$ROOT/dev/stdout"; ln -s /proc/self/fd/2 "$ROOT/dev/stderr"
  exec chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash /smoke/chroot-smoke.sh "$PG_PORT" "$HTTP_PORT"
' packages_smoke "$ROOT" "$base" "$SOURCES" "$ext" "$srv" "$HERE/chroot-smoke.sh" \
  >"$WORK/chroot.log" 2>&1 </dev/null || rc=$?
grep -E '^(== |ok |FAIL)' "$WORK/chroot.log" || true
if (( rc != 0 )); then
  echo "---- the last lines of $WORK/chroot.log:"; tail -n 40 "$WORK/chroot.log"
  fail "the smoke test in the chroot (rc $rc)"
fi
phase "passed"
