#!/bin/bash
# Writes confparse/testdata/golden/NAME.txt for each corpus/NAME.conf by
# running Debian's corosync 3.1.7 (the judge) on it:
#   status:   exit status of `corosync -t -c FILE`
#   error:    the first error line it printed (log prefix stripped)
#   warning:  each warning it logged while loading
#   daemon:   ok / failed (whether `corosync -f` came up on the file)
#   cmap:     the `corosync-cmapctl` listing of that daemon (default map)
#
# Each file runs in a fresh network namespace of ours whose only non-loopback
# interface (one end of a veth pair) carries the addresses the file names in
# "# gcp-local: ADDR..." (default 10.77.0.1); "# gcp-hosts: ADDR NAME..."
# lines become that namespace's /etc/hosts. Inside a private mount and UTS
# namespace the hostname is "gcphost" (or "# gcp-hostname: NAME") and /etc/corosync, /run,
# /var/lib/corosync, /var/log/corosync and /dev/shm are private directories;
# the config is always /etc/corosync/corosync.conf, with NAME.authkey as
# /etc/corosync/authkey and NAME.uidgid.d/ as /etc/corosync/uidgid.d when
# present. confparse's tests inject exactly this environment.
#
# Usage (root): confparse/testdata/mkgolden.sh [corpus/NAME.conf ...]
# MKGOLDEN_OUT=DIR writes elsewhere; MKGOLDEN_NODAEMON=1 skips the daemon
# runs (status, error and warnings only), as the interop test does.
set -u
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/corpus
out=${MKGOLDEN_OUT:-$here/golden}
mkdir -p "$out"

ns=gcp$$
work=$(mktemp -d /tmp/gcpg.XXXXXX)
cleanup() {
	ip netns del "$ns" 2>/dev/null
	rm -rf "/etc/netns/$ns" "$work"
}
trap cleanup EXIT

ip netns add "$ns" || exit 1
ip -n "$ns" link set lo up
# This kernel has no dummy driver: a veth pair with both ends inside the
# namespace gives an interface that carries the addresses.
ip -n "$ns" link add gcpd0 type veth peer name gcpd1 || exit 1
ip -n "$ns" link set gcpd1 up
ip -n "$ns" link set gcpd0 multicast on up
mkdir -p "/etc/netns/$ns"

if [ $# -eq 0 ]; then
	set -- "$corpus"/*.conf
fi

for f in "$@"; do
	name=$(basename "$f" .conf)
	dir=$(dirname "$f")
	w=$work/$name
	rm -rf "$w"
	mkdir -p "$w"/{etc,run,lib,log,shm}
	chmod 1777 "$w/shm"
	cp "$f" "$w/etc/corosync.conf"
	[ -f "$dir/$name.authkey" ] && install -m 0400 "$dir/$name.authkey" "$w/etc/authkey"
	[ -d "$dir/$name.uidgid.d" ] && cp -r "$dir/$name.uidgid.d" "$w/etc/uidgid.d"

	ip -n "$ns" addr flush dev gcpd0
	locals=$(sed -n 's/^# gcp-local: *//p' "$f" | tr -d '\r')
	[ -z "$locals" ] && locals=10.77.0.1
	for a in $locals; do
		case $a in
		*:*) ip -n "$ns" addr add "$a/64" dev gcpd0 nodad ;;
		*) ip -n "$ns" addr add "$a/24" dev gcpd0 ;;
		esac
	done
	{
		echo "127.0.0.1 localhost"
		echo "::1 localhost ip6-localhost ip6-loopback"
		sed -n 's/^# gcp-hosts: *//p' "$f" | tr -d '\r'
	} >"/etc/netns/$ns/hosts"

	host=$(sed -n 's/^# gcp-hostname: *//p' "$f" | tr -d '\r')
	[ -z "$host" ] && host=gcphost
	mounts="mount --bind $w/etc /etc/corosync && mount --bind $w/run /run && \
mount --bind $w/lib /var/lib/corosync && mount --bind $w/log /var/log/corosync && \
mount --bind $w/shm /dev/shm && hostname $host"

	ip netns exec "$ns" unshare -m -u sh -c "$mounts && exec timeout 30 corosync -t -c /etc/corosync/corosync.conf" \
		>"$w/t.out" 2>&1
	rc=$?

	g=$out/$name.txt
	{
		echo "status: $rc"
		# Log lines look like "Nov 25 01:40:22.406 error   [MAIN  ] text";
		# parser errors are printed bare.
		awk -v rc="$rc" '
			/^[A-Z][a-z][a-z] +[0-9]+ [0-9:.]+ [a-z]+ +\[/ {
				lvl = $4
				msg = $0; sub(/^[^]]*\] /, "", msg)
				# "fileline: on" / "function_name: on" add "file.c:func:line ".
				sub(/^[a-z_]+\.c:([a-z_]+:)?[0-9]+ /, "", msg)
				if (lvl == "warning") print "warning: " msg
				else if (lvl == "error" && rc != 0 && !e) { print "error: " msg; e = 1 }
				next
			}
			/^$/ { next }
			{ if (rc != 0 && !e) { print "error: " $0; e = 1 } }
		' "$w/t.out"
	} >"$g"

	if [ "$rc" -ne 0 ]; then
		echo "$name: status $rc"
		continue
	fi
	if [ -n "${MKGOLDEN_NODAEMON:-}" ]; then
		echo "$name: status 0"
		continue
	fi

	# Start the real daemon on the file, list its cmap, stop it (our PID).
	ip netns exec "$ns" unshare -m -u sh -c "$mounts && {
		corosync -f -c /etc/corosync/corosync.conf >$w/d.out 2>&1 &
		pid=\$!
		i=0
		while [ \$i -lt 50 ]; do
			sleep 0.2
			corosync-cmapctl >/dev/null 2>&1 && break
			i=\$((i+1))
		done
		sleep 1
		corosync-cmapctl >$w/cmap 2>/dev/null
		kill \$pid
		wait \$pid
	}" >/dev/null 2>&1
	if [ -s "$w/cmap" ]; then
		echo "daemon: ok" >>"$g"
		echo "cmap:" >>"$g"
		cat "$w/cmap" >>"$g"
	else
		echo "daemon: failed" >>"$g"
	fi
	echo "$name: status 0, daemon $(sed -n 's/^daemon: //p' "$g")"
done
