# SPDX-License-Identifier: GPL-2.0
#
# The in-VM test library, sourced by every tests/vm/*.t file: TAP output ("ok - ..." and
# "not ok - ..." lines; tests/vm/all.sh numbers nothing and prints the plan at the end) and helpers
# to load rtrace modules.

MODULES=/rtrace/modules
DEBUGFS=/sys/kernel/debug

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; }

# check DESCRIPTION COMMAND...: one test case that passes when COMMAND succeeds.
check() {
	desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# check_fails DESCRIPTION COMMAND...: one test case that passes when COMMAND fails.
check_fails() {
	desc=$1
	shift
	if "$@"; then fail "$desc"; else pass "$desc"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 (expected '$2', got '$3')"; fi
}

load() {
	m=$1
	shift
	insmod "$MODULES/$m.ko" "$@" 2>&1
}
unload() { rmmod "$1" 2>&1; }
loaded() { grep -q "^$1 " /proc/modules; }

# dmesg_has PATTERN: the kernel log since the test file started contains PATTERN (grep -E).
dmesg_mark() { dmesg_start=$(dmesg | wc -l); }
dmesg_has() { dmesg | tail -n +"$((${dmesg_start:-0} + 1))" | grep -Eq "$1"; }

# le32 N: N as the hex of a little-endian 32-bit integer, as in marker records.
le32() { printf '%08x' "$1" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/'; }
# comm16 NAME: NAME as the hex of a NUL-padded 16-byte char array, as in marker records.
comm16() {
	h=$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')
	printf '%-32s' "$h" | tr ' ' 0
}
# marker_id SUBSYSTEM EVENT: the marker's id, from its format file.
marker_id() { sed -n 's/^ID: //p' "$DEBUGFS/rtrace/markers/$1/$2/format"; }

# drain FILE: consumes the ring tracer's trace_pipe into FILE until its buffers are empty.
drain() {
	cat $DEBUGFS/rtrace/sinks/ring/trace_pipe >"$1" &
	drain_pid=$!
	drain_n=0
	while [ "$(sed -n 's/^in_buffer: //p' $DEBUGFS/rtrace/sinks/ring/stats)" != 0 ] && [ $drain_n -lt 300 ]; do
		sleep 0.1
		drain_n=$((drain_n + 1))
	done
	# The last lines reach the file before the reader blocks again.
	sleep 0.3
	kill $drain_pid
	wait $drain_pid 2>/dev/null
}

# runs_of_ftrace FTRACE RTRACE: both files hold one event a line, "CPU KIND fields..." (KIND the
# event's short name). rtrace's markers were connected after ftrace's events and disconnected
# before them, so on each CPU rtrace's events of each kind must be one run of ftrace's, event by
# event. Prints 1 if they are, else 0, after a comment with the first differences.
runs_of_ftrace() {
	local same=1 key cpu kind
	for key in $(awk '{ print $1 "/" $2 }' "$2" | sort -u); do
		cpu=${key%/*}
		kind=${key#*/}
		awk -v c="$cpu" -v k="$kind" '$1 == c && $2 == k' "$1" >/tmp/f.cpu
		awk -v c="$cpu" -v k="$kind" '$1 == c && $2 == k' "$2" >/tmp/r.cpu
		if ! awk 'NR == FNR { f[NR] = $0; nf = NR; next } { r[FNR] = $0; nr = FNR }
			END {
				for (s = 1; s + nr - 1 <= nf; s++) {
					if (f[s] != r[1]) continue
					for (i = 1; i <= nr && f[s + i - 1] == r[i]; i++) ;
					if (i > nr) exit 0
				}
				exit 1
			}' /tmp/f.cpu /tmp/r.cpu; then
			same=0
			echo "# CPU $cpu, $kind: rtrace's $(wc -l </tmp/r.cpu) events are not a run of ftrace's $(wc -l </tmp/f.cpu)" >&2
			diff /tmp/f.cpu /tmp/r.cpu | head -n 10 | sed 's/^/# /' >&2
		fi
	done
	echo "$same"
}
