#!/usr/bin/env bash
# The package test (run by .ci/run, as root on a Debian machine):
#  1. builds the .deb and .rpm (packaging/build-packages.sh: glibc 2.28 check printed there),
#  2. checks their contents, metadata and scripts (dpkg-deb -c/-I, rpm -qlp, rpm -qp --scripts);
#     rpm installs, upgrades (keeping a changed %config) and erases the .rpm in a scratch root,
#  3. installs the .deb with dpkg -i next to a stand-in Java Flume package that owns
#     /usr/bin/flume-ng, and checks that it is left alone,
#  4. runs `flume-ng version` and `flume-ng validate` on the installed default configuration,
#     `systemd-analyze verify` on the unit,
#  5. starts the agent the way flume-rs-agent.service does (its User/Group, EnvironmentFile,
#     WorkingDirectory, UMask, ExecStartPre, ExecStart, read from the installed unit) and sees
#     events flow; `ExecReload` makes it re-read a changed configuration at once; SIGTERM stops it
#     within TimeoutStopSec; the same with a Java Flume configuration file, unchanged,
#  6. switches /usr/bin/flume-ng to flume-rs and back (flume-rs-switch), also with a Java Flume
#     that registers itself with update-alternatives,
#  7. upgrades to a rebuilt package (revision 2): the changed conffiles are kept, silently,
#  8. purges: everything the install made is gone, the Java package is intact, the user stays,
#  9. the same with a Java Flume that uses update-alternatives, and with no Java Flume at all,
# 10. runs the .rpm's own scriptlets through rpm on this machine (rpm -i/-U/-e --nodeps): no
#     takeover of Java Flume's flume-ng, the switch's rename path, settings kept, flume-ng given back.
# Idempotent: what an earlier run left installed is purged first. systemd need not be running.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
started=$SECONDS
passed=0

say() { printf '\n== %s\n' "$*"; }
ok() { passed=$((passed + 1)); printf 'ok: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; printf 'packaging: %d passed, 1 failed\n' "$passed"; exit 1; }
# check DESCRIPTION COMMAND...: the command must succeed.
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
contains() { grep -qF -- "$2" <<<"$1"; }
absent() { ! [ -e "$1" ] && ! [ -L "$1" ]; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
wait_for() { # wait_for SECONDS COMMAND...
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

if [ "$(id -u)" -ne 0 ] || ! command -v dpkg >/dev/null; then
    echo "packaging: the package test needs root on a Debian machine; skipped"
    exit 0
fi
for tool in rpm systemd-analyze setpriv objdump; do
    command -v "$tool" >/dev/null || fail "$tool is missing (see .ci/apt-packages)"
done

work=$(mktemp -d /tmp/flume-rs-pkgtest.XXXXXX)
agent_pid=""
cleanup() {
    if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then kill -KILL "$agent_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

purge_all() {
    if command -v rpm >/dev/null && rpm -q flume-rs >/dev/null 2>&1; then
        rpm -e --nodeps flume-rs >/dev/null 2>&1
    fi
    for pkg in flume-rs flume-java-standin flume-java-alt-standin; do
        if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -qv 'not-installed'; then
            DEBIAN_FRONTEND=noninteractive dpkg --purge "$pkg" >/dev/null
        fi
    done
}

say "leftovers of an earlier run"
purge_all
for path in /usr/bin/flume-ng /etc/alternatives/flume-ng /etc/flume-rs /var/lib/flume-rs /var/log/flume-rs /usr/lib/flume-rs /usr/share/flume-rs \
    /etc/sysconfig/flume-rs-agent /etc/sysconfig/flume-rs-agent.rpmsave; do
    absent "$path" || fail "$path exists before the test (not made by this test): refusing to touch it"
done
ok "clean start: no flume-ng, no flume-rs files"

say "build"
# The packaged build has its own target directory (another target triple, release profile);
# outside a given CARGO_TARGET_DIR it is kept in ~/.cache so CI runs on one machine reuse it.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/flume-rs/target}
# --no-build: test the packages an earlier run built (when only the test changed).
if [ "${1:-}" != --no-build ]; then
    bash packaging/build-packages.sh --revision 1
fi
target_dir=$CARGO_TARGET_DIR
out=$target_dir/packages
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
deb1=$out/flume-rs_${version}-1_amd64.deb
rpm1=$out/flume-rs-${version}-1.x86_64.rpm
if [ "${1:-}" != --no-build ]; then
    bash packaging/build-packages.sh --revision 2 >"$work/build2.log" 2>&1 || { cat "$work/build2.log"; fail "rebuild (revision 2)"; }
fi
deb2=$out/flume-rs_${version}-2_amd64.deb
rpm2=$out/flume-rs-${version}-2.x86_64.rpm
for f in "$deb1" "$rpm1" "$deb2" "$rpm2"; do check "built $(basename "$f")" test -s "$f"; done
bin=$target_dir/x86_64-unknown-linux-gnu/release/flume-ng
glibc_needed=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n 1)
needed_libs=$(objdump -p "$bin" | awk '/NEEDED/ {print $2}' | sort | tr '\n' ' ')
echo "the packaged flume-ng: highest GLIBC_ symbol version GLIBC_$glibc_needed; NEEDED: $needed_libs"
check "the packaged flume-ng needs glibc 2.28 at most (GLIBC_$glibc_needed)" \
    test "$(printf '%s\n2.28\n' "$glibc_needed" | sort -V | tail -n 1)" = 2.28
check "it links no shared library but glibc's and libgcc_s" bash -c \
    '! tr " " "\n" <<<"$1" | grep -v "^$" | grep -vqxE "libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libgcc_s\.so\.1|ld-linux-x86-64\.so\.2"' _ "$needed_libs"

say "deb: metadata and contents"
info=$(dpkg-deb -I "$deb1")
printf '%s\n' "$info" | sed -n '/Package:/,$p'
check "deb is flume-rs ${version}-1" contains "$info" "Version: ${version}-1"
depends=$(sed -n 's/^ Depends: //p' <<<"$info")
check "deb depends on glibc 2.28, libgcc and adduser only" test "$(tr -d ' ' <<<"$depends" | tr ',' '\n' | sort | tr '\n' ',')" = "adduser,libc6(>=2.28),libgcc-s1|libgcc1,"
check "deb suggests (not depends on) a JRE" grep -q '^ Suggests: .*jre' <<<"$info"
listing=$(dpkg-deb -c "$deb1")
for entry in "-rwxr-xr-x (root/root|0/0) .* ./usr/lib/flume-rs/bin/flume-ng$" \
    "-rwxr-xr-x (root/root|0/0) .* ./usr/lib/flume-rs/bin/flume-rs-agent$" \
    "-rwxr-xr-x (root/root|0/0) .* ./usr/bin/flume-rs$" \
    "-rwxr-xr-x (root/root|0/0) .* ./usr/sbin/flume-rs-switch$" \
    "-rw-r--r-- (root/root|0/0) .* ./usr/lib/systemd/system/flume-rs-agent.service$" \
    "-rw-r--r-- (root/root|0/0) .* ./etc/flume-rs/conf/flume-conf.properties$" \
    "-rw-r--r-- (root/root|0/0) .* ./etc/flume-rs/conf/flume-env.sh$" \
    "-rw-r--r-- (root/root|0/0) .* ./etc/default/flume-rs-agent$" \
    "-rw-r--r-- (root/root|0/0) .* ./usr/share/flume-rs/grafana/flume-rs.json$"; do
    check "deb holds ${entry##* ./}" grep -qE -- "^${entry}" <<<"$listing"
done
check "deb does not ship /usr/bin/flume-ng (alternatives manage it)" bash -c '! grep -q "\./usr/bin/flume-ng$" <<<"$1"' _ "$listing"
mkdir -p "$work/deb-control" "$work/deb-root"
dpkg-deb -e "$deb1" "$work/deb-control"
dpkg-deb -x "$deb1" "$work/deb-root"
check "deb conffiles: the three files under /etc" diff <(sort "$work/deb-control/conffiles") \
    <(printf '%s\n' /etc/default/flume-rs-agent /etc/flume-rs/conf/flume-conf.properties /etc/flume-rs/conf/flume-env.sh)
check "deb's flume-conf.properties is the repository's conf/flume-conf.properties" \
    cmp -s "$work/deb-root/etc/flume-rs/conf/flume-conf.properties" conf/flume-conf.properties
check "deb's Grafana dashboard is the repository's packaging/grafana/flume-rs.json" \
    cmp -s "$work/deb-root/usr/share/flume-rs/grafana/flume-rs.json" packaging/grafana/flume-rs.json
check "postinst creates the user and registers flume-ng" grep -q 'flume-rs-switch package-installed' "$work/deb-control/postinst"
check "postinst neither enables nor starts the service on install" bash -c '! grep -q "deb-systemd-invoke start\|deb-systemd-invoke \$_dh_action" "$1"' _ "$work/deb-control/postinst"
check "postinst restarts a running service after an upgrade" grep -q 'deb-systemd-invoke try-restart' "$work/deb-control/postinst"
check "prerm gives flume-ng back on removal" grep -q 'flume-rs-switch package-removing' "$work/deb-control/prerm"
check "postrm purge removes state and logs" grep -q 'rm -rf /var/lib/flume-rs /var/log/flume-rs' "$work/deb-control/postrm"

say "rpm: metadata, contents and scripts"
rpm_info=$(rpm -qip "$rpm1" 2>/dev/null)
printf '%s\n' "$rpm_info"
check "rpm is flume-rs ${version}-1" test "$(rpm -qp --qf '%{NAME} %{VERSION}-%{RELEASE} %{ARCH}' "$rpm1" 2>/dev/null)" = "flume-rs ${version}-1 x86_64"
rpm_files=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$rpm1" 2>/dev/null)
printf '%s\n' "$rpm_files"
for entry in "-rwxr-xr-x root:root /usr/lib/flume-rs/bin/flume-ng" \
    "-rwxr-xr-x root:root /usr/lib/flume-rs/bin/flume-rs-agent" \
    "-rwxr-xr-x root:root /usr/bin/flume-rs" \
    "-rwxr-xr-x root:root /usr/sbin/flume-rs-switch" \
    "-rw-r--r-- root:root /usr/lib/systemd/system/flume-rs-agent.service" \
    "-rw-r--r-- root:root /etc/sysconfig/flume-rs-agent" \
    "-rw-r--r-- root:root /usr/share/flume-rs/grafana/flume-rs.json"; do
    check "rpm holds $entry" grep -qxF -- "$entry" <<<"$rpm_files"
done
check "rpm -qlp lists the default configuration" bash -c 'rpm -qlp "$1" 2>/dev/null | grep -qx /etc/flume-rs/conf/flume-conf.properties' _ "$rpm1"
check "rpm config files are %config(noreplace)" test "$(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm1" 2>/dev/null | grep -c '^cn /etc/')" -eq 3
scripts=$(rpm -qp --scripts "$rpm1" 2>/dev/null)
check "rpm %pre creates the user flume" contains "$scripts" "useradd --system --gid flume"
check "rpm %post registers flume-ng" contains "$scripts" "flume-rs-switch package-installed"
check "rpm %post makes /etc/flume-rs/plugins.d" contains "$scripts" "install -d -m 0755 /etc/flume-rs/plugins.d"
check "rpm %post makes the state and log directories, flume's" contains "$scripts" 'install -d -m 0750 -o flume -g flume "$dir"'
check "rpm %postun removes the package's directories when empty" contains "$scripts" 'rmdir "$dir"' 
check "rpm %preun stops the service and gives flume-ng back" contains "$scripts" "flume-rs-switch package-removing"
check "rpm %postun restarts a running service after an upgrade" contains "$scripts" "systemctl try-restart flume-rs-agent.service"
requires=$(rpm -qp --requires "$rpm1" 2>/dev/null)
check "rpm requires glibc >= 2.28" contains "$requires" "glibc >= 2.28"
check "rpm needs no libssl/libcrypto/libz" bash -c '! grep -qE "libssl|libcrypto|libz\.so" <<<"$1"' _ "$requires"
# rpm itself installs, upgrades and erases the package in a scratch root (without its scripts,
# which need RHEL's shell tools): files, modes, %config(noreplace) on upgrade, .rpmsave on erase.
rroot=$work/rpm-root
rpmr() { local out; out=$(rpm --root "$rroot" "$@" 2>&1) || { printf '%s\n' "$out"; fail "rpm --root scratch $*"; }; }
mkdir -p "$rroot"
rpm --root "$rroot" --initdb
rpmr -i --nodeps --noscripts "$rpm1"
check "rpm installs (scratch root)" test "$(rpm --root "$rroot" -q flume-rs 2>/dev/null)" = "flume-rs-${version}-1.x86_64"
check "rpm and deb carry the same flume-ng" cmp -s "$rroot/usr/lib/flume-rs/bin/flume-ng" "$work/deb-root/usr/lib/flume-rs/bin/flume-ng"
check "the units differ only in their EnvironmentFile" test "$(diff "$work/deb-root/usr/lib/systemd/system/flume-rs-agent.service" \
    "$rroot/usr/lib/systemd/system/flume-rs-agent.service" | grep -c '^[<>]')" -eq 2
check "rpm unit reads /etc/sysconfig/flume-rs-agent" grep -qx 'EnvironmentFile=-/etc/sysconfig/flume-rs-agent' "$rroot/usr/lib/systemd/system/flume-rs-agent.service"
echo "FLUME_AGENT_NAME=a1" >>"$rroot/etc/sysconfig/flume-rs-agent"
changed_sha=$(sha "$rroot/etc/sysconfig/flume-rs-agent")
rpmr -U --nodeps --noscripts "$rpm2"
check "rpm upgrades to ${version}-2 (scratch root)" test "$(rpm --root "$rroot" -q flume-rs 2>/dev/null)" = "flume-rs-${version}-2.x86_64"
check "rpm upgrade keeps the changed /etc/sysconfig/flume-rs-agent" test "$(sha "$rroot/etc/sysconfig/flume-rs-agent")" = "$changed_sha"
rpmr -e --nodeps --noscripts flume-rs
check "rpm erase removes the files and keeps the changed settings as .rpmsave" bash -c \
    '[ ! -e "$1/usr/lib/flume-rs/bin/flume-ng" ] && [ ! -e "$1/etc/flume-rs/conf/flume-conf.properties" ] && [ -f "$1/etc/sysconfig/flume-rs-agent.rpmsave" ]' _ "$rroot"

say "a stand-in Java Flume package that owns /usr/bin/flume-ng (as Apache Bigtop's does)"
# Java Flume's flume-ng answers like Flume's launcher; its configuration is a Bigtop-style
# /etc/flume/conf/flume.conf for agent "agent" (netcat on 127.0.0.1:44446 -> memory -> logger).
build_standin() { # build_standin NAME WITH_ALTERNATIVES
    local name=$1 alt=$2 root=$work/$1
    mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/flume-java/bin" "$root/etc/flume/conf"
    printf '#!/bin/sh\necho "Java Flume 1.11.0 ($0, %s)"\n' "$name" >"$root/usr/lib/flume-java/bin/flume-ng"
    chmod 755 "$root/usr/lib/flume-java/bin/flume-ng"
    cat >"$root/etc/flume/conf/flume.conf" <<'EOF'
# Bigtop's agent configuration, as a Java Flume user has it.
agent.sources = r1
agent.channels = c1
agent.sinks = k1
agent.sources.r1.type = netcat
agent.sources.r1.bind = 127.0.0.1
agent.sources.r1.port = 44446
agent.sources.r1.channels = c1
agent.channels.c1.type = memory
agent.channels.c1.capacity = 1000
agent.channels.c1.transactionCapacity = 100
agent.sinks.k1.type = logger
agent.sinks.k1.channel = c1
EOF
    if [ "$alt" = yes ]; then
        # Vendor style: /usr/bin/flume-ng through update-alternatives.
        printf '#!/bin/sh\nset -e\nif [ "$1" = configure ]; then update-alternatives --install /usr/bin/flume-ng flume-ng /usr/lib/flume-java/bin/flume-ng 10; fi\n' >"$root/DEBIAN/postinst"
        printf '#!/bin/sh\nset -e\nif [ "$1" = remove ]; then update-alternatives --remove flume-ng /usr/lib/flume-java/bin/flume-ng; fi\n' >"$root/DEBIAN/prerm"
        chmod 755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm"
    else
        # Bigtop style: /usr/bin/flume-ng is the package's own wrapper script.
        printf '#!/bin/sh\nexec /usr/lib/flume-java/bin/flume-ng "$@"\n' >"$root/usr/bin/flume-ng"
        chmod 755 "$root/usr/bin/flume-ng"
    fi
    echo /etc/flume/conf/flume.conf >"$root/DEBIAN/conffiles"
    cat >"$root/DEBIAN/control" <<EOF
Package: $name
Version: 1.11.0-1
Architecture: all
Maintainer: flume-rs package test <nobody@invalid>
Description: stand-in for a Java Flume package (flume-rs package test)
EOF
    dpkg-deb --root-owner-group --build "$root" "$work/$name.deb" >/dev/null
}
build_standin flume-java-standin no
build_standin flume-java-alt-standin yes
dpkg -i "$work/flume-java-standin.deb" >/dev/null
java_sha=$(sha /usr/bin/flume-ng)
java_conf_sha=$(sha /etc/flume/conf/flume.conf)
check "Java Flume's flume-ng answers" contains "$(flume-ng version)" "Java Flume 1.11.0"
user_before=$(getent passwd flume || true)

say "dpkg -i flume-rs next to Java Flume"
install_out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "$deb1" </dev/null 2>&1)
printf '%s\n' "$install_out"
check "/usr/bin/flume-ng is still Java Flume's file" test "$(sha /usr/bin/flume-ng)" = "$java_sha" -a ! -L /usr/bin/flume-ng
check "flume-rs did not register itself in an alternatives group it would take over" bash -c '! update-alternatives --query flume-ng >/dev/null 2>&1'
check "the Java package verifies clean" test -z "$(dpkg -V flume-java-standin)"
check "install says how to switch" contains "$install_out" "flume-rs-switch flume-rs"
check "flume-rs is reachable as flume-rs" contains "$(flume-rs version)" "flume-rs ${version}"
check "flume-rs-switch status names the owner" contains "$(flume-rs-switch status)" "package flume-java-standin"
passwd=$(getent passwd flume) || fail "user flume exists"
ok "user flume exists: $passwd"
check "state directory /var/lib/flume-rs is flume's, 0750" test "$(stat -c '%U:%G %a' /var/lib/flume-rs)" = "flume:flume 750"
check "log directory /var/log/flume-rs is flume's, 0750" test "$(stat -c '%U:%G %a' /var/log/flume-rs)" = "flume:flume 750"
check "an empty /etc/flume-rs/plugins.d for Java plugins" bash -c '[ -d /etc/flume-rs/plugins.d ] && [ -z "$(ls -A /etc/flume-rs/plugins.d)" ]'

say "systemd-analyze verify"
unit=/usr/lib/systemd/system/flume-rs-agent.service
[ -f "$unit" ] || unit=/lib/systemd/system/flume-rs-agent.service
verify_out=$(systemd-analyze verify "$unit" 2>&1) && verify_rc=0 || verify_rc=$?
printf '%s\n' "$verify_out" | grep -F flume-rs || true
check "systemd-analyze verify $unit: exit 0, no complaint about the unit" \
    bash -c '[ "$1" -eq 0 ] && ! grep -q "flume-rs-agent.service:" <<<"$2"' _ "$verify_rc" "$verify_out"
if [ -d /run/systemd/system ]; then pid1=systemd; else pid1="$(ps -o comm= -p 1) (not systemd)"; fi
echo "PID 1 here: $pid1: the agent is started below the way the unit says, without systemctl"

say "flume-ng version / validate on the installed configuration"
check "flume-ng version (installed binary)" contains "$(/usr/lib/flume-rs/bin/flume-ng version)" "Flume 1.11.0"
validate_out=$(/usr/lib/flume-rs/bin/flume-ng validate --conf-file /etc/flume-rs/conf/flume-conf.properties --name agent 2>&1) && validate_rc=0 || validate_rc=$?
printf '%s\n' "$validate_out"
check "flume-ng validate accepts the installed default configuration" test "$validate_rc" -eq 0

say "the agent, started as flume-rs-agent.service starts it"
unit_get() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
u_user=$(unit_get User)
u_group=$(unit_get Group)
u_envfile=$(unit_get EnvironmentFile)
u_envfile=${u_envfile#-}
u_workdir=$(unit_get WorkingDirectory)
u_umask=$(unit_get UMask)
u_pre=$(unit_get ExecStartPre)
u_start=$(unit_get ExecStart)
u_reload=$(unit_get ExecReload)
u_timeout=$(unit_get TimeoutStopSec)
echo "User=$u_user Group=$u_group EnvironmentFile=$u_envfile WorkingDirectory=$u_workdir UMask=$u_umask TimeoutStopSec=$u_timeout"
echo "ExecStartPre=$u_pre"
echo "ExecStart=$u_start"
echo "ExecReload=$u_reload"
check "the unit reads /etc/default/flume-rs-agent" test "$u_envfile" = /etc/default/flume-rs-agent
# systemd's EnvironmentFile: KEY=VALUE lines, # and ; comments, quotes around a value dropped.
unit_env() {
    local line key value
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in '' | '#'* | ';'*) continue ;; esac
        key=${line%%=*}
        value=${line#*=}
        case "$value" in \"*\") value=${value:1:-1} ;; \'*\') value=${value:1:-1} ;; esac
        printf '%s=%s\n' "$key" "$value"
    done <"$u_envfile"
}
# as_unit COMMAND...: exec COMMAND with the unit's user, group, directory, umask and environment.
as_unit() {
    local home shell envs=()
    home=$(getent passwd "$u_user" | cut -d: -f6)
    shell=$(getent passwd "$u_user" | cut -d: -f7)
    mapfile -t envs < <(unit_env)
    cd "$u_workdir"
    umask "$u_umask"
    exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$home" \
        USER="$u_user" LOGNAME="$u_user" SHELL="$shell" LANG=C.UTF-8 "${envs[@]}" \
        setpriv --reuid="$u_user" --regid="$u_group" --init-groups -- "$@"
}
log=/var/log/flume-rs/flume.log
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_closed() { ! port_open "$1"; }
# send PORT LINE: one line to a netcat source; it answers OK.
send() {
    local reply
    exec 3<>"/dev/tcp/127.0.0.1/$1"
    printf '%s\n' "$2" >&3
    read -r -t 10 reply <&3 || reply=""
    exec 3>&-
    [ "$reply" = OK ]
}
logged() { grep -qF -- "$1" "$log" 2>/dev/null; }
start_agent() {
    read -r -a pre <<<"$u_pre"
    read -r -a start <<<"$u_start"
    (as_unit "${pre[@]}") >"$work/pre.out" 2>&1 || { cat "$work/pre.out"; fail "ExecStartPre"; }
    cat "$work/pre.out"
    ok "ExecStartPre ($u_pre) passed"
    (as_unit "${start[@]}") >"$work/agent.out" 2>&1 &
    agent_pid=$!
    check "the agent runs as $u_user" wait_for 10 bash -c '[ "$(ps -o user= -p "$1" 2>/dev/null)" = "$2" ]' _ "$agent_pid" "$u_user"
}
stop_agent() {
    local t0=$SECONDS rc=0
    kill -TERM "$agent_pid"
    wait "$agent_pid" || rc=$?
    agent_pid=""
    local took=$((SECONDS - t0))
    check "SIGTERM: the agent stopped with status 0 in ${took}s (TimeoutStopSec=$u_timeout)" test "$rc" -eq 0 -a "$took" -lt "${u_timeout%s}"
    check "the agent logged its stop" logged "Agent agent stopped"
}
for port in 44444 44445 44446; do port_open $port && fail "port $port is in use on this machine"; done

start_agent
check "sequence generator events reach the logger sink (10 events)" wait_for 30 bash -c '[ "$(grep -c "Event: { headers:{} body: 3[0-9] " "$1")" -ge 10 ]' _ "$log"
check "the netcat source listens on 127.0.0.1:44444" wait_for 20 port_open 44444
check "a line sent to it is acknowledged" send 44444 pkgtest-one
check "and logged by the logger sink" wait_for 10 logged "pkgtest-one }"
check "the log file belongs to flume" test "$(stat -c %U "$log")" = flume

# systemctl reload: move the netcat source to port 44445; the agent must follow at once
# (its own change polling runs every 30 s, far later than the 10 s allowed here).
sed -i 's/^agent.sources.netcatSrc.port = 44444$/agent.sources.netcatSrc.port = 44445/' /etc/flume-rs/conf/flume-conf.properties
read -r -a reload <<<"${u_reload//\$MAINPID/$agent_pid}"
"${reload[@]}"
check "ExecReload: the agent re-reads its configuration" wait_for 10 logged "SIGHUP received: reloading the configuration"
check "the netcat source moved to 44445" wait_for 10 port_open 44445
check "a line sent there flows through" send 44445 pkgtest-two
check "and is logged" wait_for 10 logged "pkgtest-two }"
check "port 44444 is closed" wait_for 10 port_closed 44444
stop_agent

say "the same service on a Java Flume configuration, unchanged"
sed -i 's#^FLUME_CONF_FILE=.*#FLUME_CONF_FILE=/etc/flume/conf/flume.conf#' /etc/default/flume-rs-agent
start_agent
check "Bigtop's flume.conf: its netcat source listens on 44446" wait_for 20 port_open 44446
check "a line sent there is acknowledged" send 44446 pkgtest-bigtop
check "and logged by its logger sink" wait_for 10 logged "pkgtest-bigtop }"
stop_agent
check "the Java configuration file is untouched" test "$(sha /etc/flume/conf/flume.conf)" = "$java_conf_sha"
printf '%s\n' 'agent.sources = s1' 'agent.channels = c1' 'agent.sinks = k1' 'agent.sources.s1.type = no.such.Source' \
    'agent.sources.s1.channels = c1' 'agent.channels.c1.type = memory' 'agent.sinks.k1.type = logger' \
    'agent.sinks.k1.channel = c1' >/var/lib/flume-rs/rejected.properties
read -r -a pre <<<"$u_pre"
if (as_unit env FLUME_CONF_FILE=/var/lib/flume-rs/rejected.properties "${pre[@]}") >"$work/rejected.out" 2>&1; then
    cat "$work/rejected.out"
    fail "ExecStartPre refuses a configuration Flume would reject"
fi
cat "$work/rejected.out"
ok "ExecStartPre refuses a configuration Flume would reject (so the agent does not start)"

say "flume-rs-switch: flume-ng -> flume-rs -> Java Flume"
flume-rs-switch flume-rs
check "flume-ng runs flume-rs" contains "$(flume-ng version)" "flume-rs ${version}"
check "through /etc/alternatives/flume-ng" test "$(readlink -f /usr/bin/flume-ng)" = /usr/lib/flume-rs/bin/flume-ng
check "Java Flume's file waits as /usr/bin/flume-ng.java (dpkg diversion)" \
    test "$(dpkg-divert --listpackage /usr/bin/flume-ng)" = flume-rs -a "$(sha /usr/bin/flume-ng.java)" = "$java_sha"
check "the Java package verifies clean" test -z "$(dpkg -V flume-java-standin)"
flume-rs-switch java
check "flume-ng runs Java Flume again" contains "$(flume-ng version)" "Java Flume 1.11.0"
check "its own file, back in place" test "$(sha /usr/bin/flume-ng)" = "$java_sha" -a ! -L /usr/bin/flume-ng
check "no diversion, no alternatives group left" bash -c '[ -z "$(dpkg-divert --listpackage /usr/bin/flume-ng)" ] && ! update-alternatives --query flume-ng >/dev/null 2>&1 && [ ! -e /usr/bin/flume-ng.java ]'
check "the Java package verifies clean" test -z "$(dpkg -V flume-java-standin)"
flume-rs-switch flume-rs >/dev/null
check "switched to flume-rs again for the upgrade and purge" contains "$(flume-ng version)" "flume-rs ${version}"

say "upgrade to the rebuilt package (revision 2) with changed conffiles"
props_sha=$(sha /etc/flume-rs/conf/flume-conf.properties)
default_sha=$(sha /etc/default/flume-rs-agent)
upgrade_out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "$deb2" </dev/null 2>&1) || { printf '%s\n' "$upgrade_out"; fail "dpkg -i revision 2"; }
printf '%s\n' "$upgrade_out"
check "flume-rs ${version}-2 is installed" test "$(dpkg-query -W -f='${Version}' flume-rs)" = "${version}-2"
check "the changed flume-conf.properties is kept" test "$(sha /etc/flume-rs/conf/flume-conf.properties)" = "$props_sha"
check "the changed /etc/default/flume-rs-agent is kept" test "$(sha /etc/default/flume-rs-agent)" = "$default_sha"
check "no conffile prompt, no .dpkg-dist/.dpkg-old files" bash -c '! ls /etc/flume-rs/conf/*.dpkg-* /etc/default/flume-rs-agent.dpkg-* >/dev/null 2>&1'
check "flume-ng still runs flume-rs" contains "$(flume-ng version)" "flume-rs ${version}"

say "purge"
DEBIAN_FRONTEND=noninteractive dpkg --purge flume-rs
for path in /etc/flume-rs /etc/default/flume-rs-agent /usr/lib/flume-rs /usr/share/flume-rs /usr/bin/flume-rs /usr/sbin/flume-rs-switch \
    "$unit" /var/lib/flume-rs /var/log/flume-rs /usr/bin/flume-ng.java /etc/alternatives/flume-ng; do
    check "purge removed $path" absent "$path"
done
check "no deb-systemd-helper state left" bash -c '! ls /var/lib/systemd/deb-systemd-helper-*/flume-rs-agent* /var/lib/systemd/deb-systemd-helper-*/*/flume-rs-agent* >/dev/null 2>&1'
check "/usr/bin/flume-ng is Java Flume's own file again" test "$(sha /usr/bin/flume-ng)" = "$java_sha" -a ! -L /usr/bin/flume-ng
check "no diversion, no alternatives group left" bash -c '[ -z "$(dpkg-divert --listpackage /usr/bin/flume-ng)" ] && ! update-alternatives --query flume-ng >/dev/null 2>&1'
check "the Java package verifies clean" test -z "$(dpkg -V flume-java-standin)"
check "the Java configuration is untouched" test "$(sha /etc/flume/conf/flume.conf)" = "$java_conf_sha"
check "the user flume stays" getent passwd flume >/dev/null
[ -n "$user_before" ] || echo "(the user flume was created by this test's first install and stays, by design)"

say "a Java Flume that uses update-alternatives itself (vendor packages)"
dpkg --purge flume-java-standin >/dev/null
dpkg -i "$work/flume-java-alt-standin.deb" >/dev/null
java_alt=/usr/lib/flume-java/bin/flume-ng
check "Java Flume selected through alternatives" test "$(readlink /etc/alternatives/flume-ng)" = "$java_alt"
install_out=$(DEBIAN_FRONTEND=noninteractive dpkg -i "$deb1" </dev/null 2>&1)
check "installing flume-rs (priority 50 > 10) does not take flume-ng over" test "$(readlink /etc/alternatives/flume-ng)" = "$java_alt"
check "and says how to switch" contains "$install_out" "flume-rs-switch flume-rs"
flume-rs-switch flume-rs >/dev/null
check "flume-rs-switch flume-rs selects flume-rs" contains "$(flume-ng version)" "flume-rs ${version}"
flume-rs-switch java >/dev/null
check "flume-rs-switch java selects Java Flume" contains "$(flume-ng version)" "Java Flume 1.11.0"
flume-rs-switch flume-rs >/dev/null
DEBIAN_FRONTEND=noninteractive dpkg --purge flume-rs >/dev/null
check "after purge, flume-ng is Java Flume's alternative again" contains "$(flume-ng version)" "Java Flume 1.11.0"
check "and flume-rs is no longer an alternative" bash -c '! update-alternatives --query flume-ng | grep -q flume-rs'

say "no Java Flume at all"
dpkg --purge flume-java-alt-standin >/dev/null
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb1" </dev/null >/dev/null
check "flume-ng is flume-rs through alternatives" test "$(readlink /usr/bin/flume-ng)" = /etc/alternatives/flume-ng -a "$(readlink /etc/alternatives/flume-ng)" = /usr/lib/flume-rs/bin/flume-ng
check "flume-ng version" contains "$(flume-ng version)" "flume-rs ${version}"
check "flume-rs-switch java refuses: there is no Java Flume" bash -c '! flume-rs-switch java 2>/dev/null'
DEBIAN_FRONTEND=noninteractive dpkg --purge flume-rs >/dev/null
check "purge removes /usr/bin/flume-ng and the group" bash -c '[ ! -e /usr/bin/flume-ng ] && [ ! -L /usr/bin/flume-ng ] && ! update-alternatives --query flume-ng >/dev/null 2>&1'

say "the .rpm's scriptlets, run by rpm itself on this machine (rpm -i --nodeps: RHEL's packages are not here)"
# The same shell the scriptlets get on RHEL, with Debian's useradd and update-alternatives
# standing in for shadow-utils' and chkconfig's; flume-rs-switch takes its rename path (no dpkg).
rpm_root() { local out; out=$(rpm "$@" 2>&1) || { printf '%s\n' "$out"; fail "rpm $*"; }; printf '%s\n' "$out" | grep -v 'use Alien\|assuming you know' || true; }
dpkg -i "$work/flume-java-standin.deb" >/dev/null
if [ -d /etc/sysconfig ]; then sysconfig_existed=yes; else sysconfig_existed=no; fi
install_out=$(rpm_root -i --nodeps "$rpm1")
printf '%s\n' "$install_out"
check "rpm -i: /usr/bin/flume-ng is still Java Flume's file" test "$(sha /usr/bin/flume-ng)" = "$java_sha" -a ! -L /usr/bin/flume-ng
check "rpm -i: %post says how to switch" contains "$install_out" "flume-rs-switch flume-rs"
check "rpm -i: %post made /var/lib/flume-rs and /var/log/flume-rs, flume's" \
    test "$(stat -c '%U:%G %a' /var/lib/flume-rs /var/log/flume-rs | sort -u)" = "flume:flume 750"
flume-rs-switch flume-rs >/dev/null
check "flume-rs-switch flume-rs (rename path)" contains "$(flume-ng version)" "flume-rs ${version}"
check "Java Flume's file waits as /usr/bin/flume-ng.java" test "$(sha /usr/bin/flume-ng.java)" = "$java_sha"
echo "FLUME_AGENT_NAME=a1" >>/etc/sysconfig/flume-rs-agent
changed_sha=$(sha /etc/sysconfig/flume-rs-agent)
rpm_root -U --nodeps "$rpm2"
check "rpm -U: ${version}-2 installed, changed /etc/sysconfig/flume-rs-agent kept, flume-ng still flume-rs" bash -c \
    '[ "$(rpm -q flume-rs 2>/dev/null)" = "flume-rs-$1-2.x86_64" ] && [ "$(sha256sum /etc/sysconfig/flume-rs-agent | cut -d" " -f1)" = "$2" ] && flume-ng version | grep -q "flume-rs $1"' \
    _ "$version" "$changed_sha"
rpm_root -e --nodeps flume-rs
check "rpm -e: %preun gave /usr/bin/flume-ng back to Java Flume" test "$(sha /usr/bin/flume-ng)" = "$java_sha" -a ! -L /usr/bin/flume-ng
check "rpm -e: no alternatives group, no flume-ng.java left" bash -c '! update-alternatives --query flume-ng >/dev/null 2>&1 && [ ! -e /usr/bin/flume-ng.java ]'
check "rpm -e: files and empty directories gone, changed settings kept as .rpmsave" bash -c \
    '[ ! -e /usr/lib/flume-rs ] && [ ! -e /usr/share/flume-rs ] && [ ! -e /etc/flume-rs ] && [ ! -e /var/lib/flume-rs ] && [ ! -e /var/log/flume-rs ] && [ -f /etc/sysconfig/flume-rs-agent.rpmsave ]'
rm -f /etc/sysconfig/flume-rs-agent.rpmsave
if [ "$sysconfig_existed" = no ]; then rmdir /etc/sysconfig 2>/dev/null || true; fi
check "the Java package verifies clean" test -z "$(dpkg -V flume-java-standin)"
purge_all

say "summary"
echo "glibc: the packaged flume-ng needs GLIBC_$glibc_needed at most (RHEL/Rocky 8 has 2.28)"
echo "shared libraries: $needed_libs"
ls -l "$deb1" "$rpm1" | awk '{printf "%s %d bytes (%.1f MiB)\n", $NF, $5, $5/1048576}'
echo "wall time: $((SECONDS - started)) s"
echo "packaging: $passed passed, 0 failed"
