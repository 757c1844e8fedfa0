#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`, inside the VM (non-debug kernel): runs each benchmark module and its C anchor
# three times, alternating, and prints the median cost per call of each case with the ratio
# rtrace / C measured in the same run. Then, in each run, the cost of one event written by the
# ring tracer (marker bench:ring_event, sink ring) beside the same event written by ftrace
# (rtrace_bench:rtrace_bench_event), each 1,000,000 times, with the record sizes and the count
# of events each tracer recorded.
M=/rtrace/modules
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
# Timing is only stable once the clocksource has left tsc-early.
i=0
while [ "$(cat $cs)" != tsc ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
D=/sys/kernel/debug
T=/sys/kernel/tracing
R=$D/rtrace/sinks/ring
SE=$D/rtrace/set_event
EV=$T/events/rtrace_bench/rtrace_bench_event
N=1000000
[ -d $T/events ] || mount -t tracefs nodev $T || exit 1
insmod $M/rtrace_tracepoint.ko && insmod $M/rtrace_marker.ko && insmod $M/rtrace_ring.ko || exit 1
# Overwrite mode: the ring never drops an event, whatever its size.
echo 4096 >$R/buffer_size_kb && echo 1 >$R/overwrite || exit 1
# last_end FORMAT: the end of an event format's last field (offset + size).
last_end() { sed -n 's/.*offset:\([0-9]*\);[[:space:]]*size:\([0-9]*\);.*/\1 \2/p' "$1" | tail -n 1 | awk '{ print $1 + $2 }'; }
ring_stat() { sed -n "s/^$1: //p" $R/stats; }
ring_case() {
	echo 1 >$R/reset
	before=$(ring_stat entries)
	echo ring:bench:ring_event >$SE || exit 1
	echo 1 >$D/rtrace_bench/run_ring || exit 1
	echo '!ring:bench:ring_event' >$SE || exit 1
	echo "ring_count $(($(ring_stat entries) - before)) $(ring_stat overrun) $(ring_stat dropped)" >>/tmp/counts
}
ftrace_case() {
	echo >$T/trace
	echo 1 >$EV/enable || exit 1
	echo 1 >$D/rtrace_bench_c/run_ftrace || exit 1
	echo 0 >$EV/enable
	# Overwrite mode (ftrace's default): entries in the buffer plus those overwritten.
	cat $T/per_cpu/cpu*/stats | awk '/^entries:/ { e += $2 } /^overrun:/ { o += $2 }
		/^dropped events:/ { d += $3 } END { print "ftrace_count", e + o, o, d + 0 }' >>/tmp/counts
}
: >/tmp/counts
for run in 1 2 3; do
	# The anchor stays loaded while rtrace_bench uses its sched_switch-shaped tracepoint.
	insmod $M/rtrace_bench_c.ko && insmod $M/rtrace_bench.ko || exit 1
	# Alternating which tracer goes first.
	if [ $run = 2 ]; then ftrace_case; ring_case; else ring_case; ftrace_case; fi
	if [ $run = 1 ]; then
		# rtrace: a 16-byte record header, the payload rounded up to 8.
		ring_size=$((16 + ($(last_end $D/rtrace/markers/bench/ring_event/format) + 7) / 8 * 8))
		# ftrace: the 4-byte ring buffer event header, the entry (common fields included)
		# rounded up to 4; 8 bytes of header with an extended timestamp.
		ftrace_size=$(((4 + $(last_end $EV/format) + 3) / 4 * 4))
	fi
	rmmod rtrace_bench && rmmod rtrace_bench_c || exit 1
done
rmmod rtrace_ring && rmmod rtrace_marker && rmmod rtrace_tracepoint

(cat /tmp/counts; dmesg | sed -En 's/.*(rtrace_bench_c|rtrace_bench): case=([a-z_0-9]+) ps_per_call=([0-9]+).*/\1 \2 \3/p') |
	awk -v total=$N -v ring_size="$ring_size" -v ftrace_size="$ftrace_size" '
	/_count / { cnt[$1] = cnt[$1] " " $2; ov[$1] = ov[$1] " " $3; dr[$1] = dr[$1] " " $4; next }
	{ k = $1 " " $2; n[k]++; s[k] += $3
	  if (n[k] == 1 || $3 < lo[k]) lo[k] = $3
	  if (n[k] == 1 || $3 > hi[k]) hi[k] = $3 }
	function med(k) { return n[k] == 3 ? s[k] - lo[k] - hi[k] : s[k] / n[k] }
	function row(label, c) {
		r = med("rtrace_bench " c); a = med("rtrace_bench_c " c)
		printf "%-22s %10.2f %10.2f %8.2f\n", label, r / 1000, a / 1000, a ? r / a : 0
	}
	END {
		print "tracepoint site, ns per call (median of 3 runs, 10,000,000 calls each, preemption off)"
		printf "%-22s %10s %10s %8s\n", "case", "rtrace", "C", "rtrace/C"
		row("disabled", "probes0")
		row("enabled, 1 probe", "probes1")
		row("enabled, 2 probes", "probes2")
		row("enabled, 4 probes", "probes4")
		print ""
		print "marker and bridge, ns per call (C column: the anchor in the same run)"
		r = med("rtrace_bench marker_nosink"); a = med("rtrace_bench_c probes0")
		printf "%-34s %10.2f %10.2f %8.2f\n", "marker emit, no sink / C disabled", r / 1000, a / 1000, a ? r / a : 0
		r = med("rtrace_bench switch_probe"); a = med("rtrace_bench_c switch_probe")
		printf "%-34s %10.2f %10.2f %8.2f\n", "bridge sched_switch, no sink / C", r / 1000, a / 1000, a ? r / a : 0
		printf "%-22s %10.2f\n", "empty loop (reference)", med("rtrace_bench empty_loop") / 1000
		print ""
		print "ring tracer vs ftrace, ns per event (median of 3, 1,000,000 events)"
		r = med("rtrace_bench ring_event"); a = med("rtrace_bench_c ftrace_event")
		printf "%-34s %10s %10s %8s\n", "case", "rtrace", "ftrace", "ratio"
		printf "%-34s %10.2f %10.2f %8.2f\n", "event a,b,c: u32, comm: char[16]", r / 1000, a / 1000, a ? r / a : 0
		printf "%-34s %10d %10d %8.2f\n", "record size, bytes", ring_size, ftrace_size, ftrace_size ? ring_size / ftrace_size : 0
		printf "events recorded per run (of %d): ring%s, ftrace%s\n", total, cnt["ring_count"], cnt["ftrace_count"]
		printf "  of which overwritten: ring%s, ftrace%s; dropped: ring%s, ftrace%s\n", ov["ring_count"], ov["ftrace_count"], dr["ring_count"], dr["ftrace_count"]
		split(cnt["ring_count"] cnt["ftrace_count"], all, " ")
		ok = 1; for (i in all) if (all[i] != total) ok = 0
		print ok ? "every event recorded by both tracers" : "MISSING EVENTS"
	}'
