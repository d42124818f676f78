#!/bin/bash
# system-instance.sh - run "unitsd --system" isolated from the host, driven with the real systemctl (as root).
#
#   system-instance.sh start NAME UNITSD  start instance NAME; units come from its unit directory only
#   system-instance.sh dir   NAME         the instance's unit directory (write units there before start,
#                                         or after it and then: ctl NAME daemon-reload)
#   system-instance.sh ctl   NAME ARGS... systemctl ARGS... inside the instance (no system bus: as root,
#                                         systemctl talks to /run/systemd/private)
#   system-instance.sh exec  NAME CMD...  run CMD inside the instance's mount, cgroup and network namespaces
#   system-instance.sh pid   NAME         host PID of the manager
#   system-instance.sh cgroup NAME        the instance's cgroup directory, as the host sees it
#   system-instance.sh stop  NAME         kill everything of the instance (cgroup.kill), remove its cgroup and files
#
# What it builds (nothing of the host's /run, /tmp, /var/tmp or network is touched):
#   * new mount, cgroup and network namespaces (unshare), no PID namespace (systemctl's peer credentials
#     must carry real PIDs);
#   * a tmpfs on /run with /run/systemd/system (sd_booted()), so the manager owns /run/systemd/private,
#     /run/systemd/notify and the services' RuntimeDirectory= (/run/redis, /run/sshd...);
#   * tmpfs on /tmp and /var/tmp (PrivateTmp= directories vanish with the namespace), and on
#     /var/log/journal when it exists (the system journal goes to the private /run/log/journal instead);
#   * cgroup2 mounted on /sys/fs/cgroup, rooted (cgroup namespace) at <cgroup2 mount>/units-system-NAME:
#     the manager sees a pure unified hierarchy of its own;
#   * a network namespace with only loopback up: each daemon listens on its own port without meeting the
#     host's listeners or another instance's;
#   * the manager reads units from $ROOT/NAME/units only (--unit-path), no generators; its own output
#     goes to $ROOT/NAME/manager.log.
set -euo pipefail
ROOT=${UNITS_SYSTEM_ROOT:-${TMPDIR:-/tmp}/units-e2e}
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then CG2=/sys/fs/cgroup; else CG2=/sys/fs/cgroup/unified; fi

die() { echo "system-instance: $*" >&2; exit 1; }

cmd=${1:-}; name=${2:-}
[ -n "$cmd" ] && [ -n "$name" ] || { sed -n 2,12p "$0"; exit 2; }
D=$ROOT/system-$name
CG=$CG2/units-system-$name

manager_pid() {
    [ -s "$D/pid" ] || die "instance $name is not running"
    cat "$D/pid"
}

inside() {
    local pid
    pid=$(manager_pid)
    exec nsenter -t "$pid" -m -C -n -- env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root TERM=dumb LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 SYSTEMD_LESS= "$@"
}

case "$cmd" in
start)
    unitsd=${3:-}
    [ -x "$unitsd" ] || die "start needs the unitsd binary"
    [ -e "$CG/cgroup.procs" ] && die "instance $name already exists"
    mkdir -p "$D/units"
    rm -f "$D/pid"
    # The targets a system service's default dependencies and the Debian units name, empty: nothing of the
    # host's boot (sysinit.target.wants...) is pulled in.
    for target in default sysinit basic shutdown multi-user network network-online network-pre remote-fs \
            nss-lookup nss-user-lookup time-sync; do
        [ -e "$D/units/$target.target" ] || printf '[Unit]\nDescription=%s\n' "$target" > "$D/units/$target.target"
    done
    mkdir "$CG"
    # What must stay visible under the private /tmp and /var/tmp: the instance directory and the directory unitsd
    # runs from (a checkout may live under /tmp, as CI's does), each bound back in place.
    bind_out="" bind_back=""
    n=0
    for keep in "$D" "$(dirname "$unitsd")"; do
        case "$keep" in /tmp/*|/var/tmp/*) ;; *) continue ;; esac
        n=$((n + 1))
        bind_out+="mkdir /run/keep$n; mount --bind '$keep' /run/keep$n"$'\n'
        bind_back+="mkdir -p '$keep'; mount --bind /run/keep$n '$keep'; umount /run/keep$n; rmdir /run/keep$n"$'\n'
    done
    cat > "$D/inner.sh" <<EOF
#!/bin/bash
set -e
export LIBMOUNT_UTAB=$D/utab   # else mount(8) writes /run/mount/utab on the host's /run before the tmpfs hides it
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
mkdir -p /run/systemd/system /run/lock
chmod 1777 /run/lock
# /tmp and /var/tmp private too, with what the instance needs from them bound back in place
$bind_out
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp
$bind_back
[ -d /var/log/journal ] && mount -t tmpfs -o mode=2755 tmpfs /var/log/journal
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up
# what a boot does for the fresh /run: the packages' tmpfiles.d entries (/run/postgresql, /run/memcached...)
systemd-tmpfiles --create --prefix=/run >/dev/null 2>&1 || true
echo \$\$ > $D/pid
cd /
exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \\
    $unitsd --system --unit-path=$D/units
EOF
    chmod 755 "$D/inner.sh"
    setsid bash -c "echo \$\$ > $CG/cgroup.procs; exec unshare --mount --propagation private --cgroup --net $D/inner.sh" \
        </dev/null >"$D/manager.log" 2>&1 &
    for _ in $(seq 1 200); do
        [ -s "$D/pid" ] && [ -S "/proc/$(cat "$D/pid")/root/run/systemd/private" ] && break
        sleep 0.05
    done
    [ -s "$D/pid" ] && [ -S "/proc/$(cat "$D/pid")/root/run/systemd/private" ] || { cat "$D/manager.log"; die "manager did not come up"; }
    for _ in $(seq 1 200); do
        st=$("$0" ctl "$name" is-system-running 2>/dev/null || true)
        case "$st" in running|degraded) break;; esac
        sleep 0.05
    done
    echo "instance $name up: state=$st manager host pid=$(manager_pid)"
    ;;
dir)
    echo "$D/units" ;;
ctl)
    shift 2
    inside systemctl "$@" ;;
exec)
    shift 2
    inside "$@" ;;
pid)
    manager_pid ;;
cgroup)
    echo "$CG" ;;
stop)
    if [ -e "$CG/cgroup.kill" ]; then
        echo 1 > "$CG/cgroup.kill"
        for _ in $(seq 1 100); do
            [ "$(awk '/populated/{print $2}' "$CG/cgroup.events" 2>/dev/null)" = 0 ] && break
            sleep 0.05
        done
        find "$CG" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null || true
        rmdir "$CG" 2>/dev/null || true
    fi
    [ -e "$CG" ] && die "cgroup $CG could not be removed"
    rm -rf "$D"
    echo "instance $name stopped" ;;
*)
    die "unknown command $cmd" ;;
esac
