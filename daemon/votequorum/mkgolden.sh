#!/bin/sh
# Regenerates testdata/vqsim/*.golden by running Debian's corosync-vqsim
# (package corosync-vqsim, the real votequorum.c in forked per-node
# processes) on every testdata/vqsim/*.cmd script.
#
# Each command is followed by a pause and a "show", so the golden records
# the settled state (vqsim is asynchronous). "#wait MS" lines only pause.
# vqsim is run in private mount and network namespaces with a private
# /var/lib/corosync (its ev_tracking file) and /dev/shm; the config path
# must be shorter than 8 bytes (a sizeof(sizeof()) slip in vqmain.c), so
# it is copied to ./c.conf in a scratch directory.
set -eu
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$(dirname "$0")/testdata/vqsim"
command -v corosync-vqsim >/dev/null || { echo "corosync-vqsim missing (apt-get install corosync-vqsim)" >&2; exit 1; }
settle=${SETTLE:-0.6}

bad=0

# shows prints the status lines of every "show" (the settled states)
shows() {
	awk '/^#vqsim> show/ { s = 1; next } /^#/ { s = 0 } s && / q=/' "$1"
}

settled() {
	awk '
	/^#vqsim> show/ { inshow = 1; delete ring; next }
	/^#/ { inshow = 0; next }
	inshow && / q=/ {
		split($1, a, ":"); p = a[1]
		if ($0 ~ /nodes=\[\]/) bad = 1
		r = $3
		if (p in ring && ring[p] != r) bad = 1
		ring[p] = r
	}
	END { exit bad }' "$1"
}
for cmd in ${1:-*.cmd}; do
	name=${cmd%.cmd}
	conf=$(sed -n 's/^#conf //p' "$cmd")
	tmp=$(mktemp -d /tmp/gvvq.XXXXXX)
	cp "$conf.conf" "$tmp/c.conf"
	for try in 1 2 3 4 5 6; do
	(
		sleep "$settle"; echo "timeout 2000"; echo show; sleep 0.2
		grep -v '^#conf' "$cmd" | while IFS= read -r line; do
			case "$line" in
			"#wait "*) ms=${line#\#wait }; sleep "$(echo "$ms" | awk '{print $1/1000}')"; echo show; sleep 0.2 ;;
			*) echo "$line"; sleep "$settle"; echo show; sleep 0.2 ;;
			esac
		done
		echo quit
	) | unshare -m -n sh -c "mount -t tmpfs tmpfs /var/lib/corosync && mount -t tmpfs tmpfs /dev/shm && cd $tmp && exec corosync-vqsim -c c.conf" > "$name.golden" 2>&1
	# vqsim is asynchronous and sometimes shows a node's state from before
	# the last sync (a partition whose members disagree on the ring, or
	# the empty view of the startup callback): run it again then.
	settled "$name.golden" && break
	echo "$name: unsettled vqsim output, retrying" >&2
	done
	# Some scenarios race inside vqsim (which node sees which NODEINFO
	# first decides, e.g., who clears wait_for_all first): run the script
	# again and refuse a golden whose settled states differ between runs.
	if [ -z "${NORECHECK:-}" ]; then
		shows "$name.golden" > "$tmp/a"
		NORECHECK=1 "$self" "$cmd" >/dev/null
		shows "$name.golden" > "$tmp/b"
		if ! cmp -s "$tmp/a" "$tmp/b"; then
			echo "$name: NONDETERMINISTIC in vqsim, not usable as a golden" >&2
			diff "$tmp/a" "$tmp/b" >&2 || true
			bad=1
		fi
	fi
	rm -rf "$tmp"
	echo "$name: $(grep -c 'q=' "$name.golden") status lines"
done
exit $bad
