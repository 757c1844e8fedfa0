#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`, inside the VM (non-debug kernel): runs each benchmark module and its C anchor
# three times, alternating, and prints the median cost per call of each case with the ratio
# rtrace / C measured in the same run.
M=/rtrace/modules
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
# Timing is only stable once the clocksource has left tsc-early.
i=0
while [ "$(cat $cs)" != tsc ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
insmod $M/rtrace_tracepoint.ko && insmod $M/rtrace_marker.ko || exit 1
for run in 1 2 3; do
	# The anchor stays loaded while rtrace_bench uses its sched_switch-shaped tracepoint.
	insmod $M/rtrace_bench_c.ko && insmod $M/rtrace_bench.ko || exit 1
	rmmod rtrace_bench && rmmod rtrace_bench_c || exit 1
done
rmmod rtrace_marker && rmmod rtrace_tracepoint

dmesg | sed -En 's/.*(rtrace_bench_c|rtrace_bench): case=([a-z_0-9]+) ps_per_call=([0-9]+).*/\1 \2 \3/p' |
	awk '
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
	}'
