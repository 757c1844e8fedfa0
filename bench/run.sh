#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`, inside the VM (non-debug kernel): bench/run.sh MODE RUNS.
#
# MODE is `time` (guest time follows the host's clock: emulated time, noisy) or `icount` (QEMU
# runs with -icount shift=0: guest time advances by 1 ns per instruction, so that each figure is
# an instruction count, deterministic). RUNS runs (scripts/run-bench asks for at least 5; one is
# enough to compare instruction counts while working on the code), each loading the two benchmark
# modules afresh (code placement changes between loads) and measuring, alternating which side
# goes first from run to run:
#
# - the sites: rtrace_bench's and rtrace_bench_c's `sites` (bench/bench.rs, bench/c_anchor.c);
# - one event (a, b, c: u32; comm: char[16]) written by the ring tracer (marker bench:ring_event,
#   sink ring) and by ftrace (TRACE_EVENT rtrace_bench:rtrace_bench_event), with preemption off,
#   both tracers in overwrite mode with the same buffer size per CPU: WRAP_EVENTS events into
#   WRAP_KB KiB, which wraps many times, and NOWRAP_EVENTS into NOWRAP_KB KiB, which does not
#   (checked: nothing overwritten).
#
# For each case: the median over the runs of each side's cost, and the median, min and max of
# the per-run ratios rtrace / C. Then the record sizes, measured in the buffers, and one line
# "vm: ..." for scripts/run-bench. Fails if a tracer lost an event, if the wrapping case did not
# wrap or the non-wrapping one did.
mode=${1:-time}
runs=${2:-5}
WRAP_KB=4096
WRAP_EVENTS=1000000
NOWRAP_KB=16384
NOWRAP_EVENTS=250000
# Events written to measure the record sizes.
SIZE_EVENTS=1000

M=/rtrace/modules
D=/sys/kernel/debug
T=/sys/kernel/tracing
R=$D/rtrace/sinks/ring
SE=$D/rtrace/set_event
EV=$T/events/rtrace_bench/rtrace_bench_event

fail() {
	echo "bench: $*"
	exit 1
}
case $mode in time | icount) ;; *) fail "mode '$mode': time or icount" ;; esac
[ "$runs" -ge 1 ] 2>/dev/null || fail "runs '$runs': a number, at least 1"

# Timing is only stable once the clocksource has left tsc-early.
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
i=0
while [ "$(cat $cs)" != tsc ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -d $T/events ] || mount -t tracefs nodev $T || exit 1
insmod $M/rtrace_tracepoint.ko && insmod $M/rtrace_marker.ko && insmod $M/rtrace_ring.ko || exit 1

# load / unload: the benchmark modules (the anchor first: rtrace_bench uses its
# sched_switch-shaped tracepoint).
load() { insmod $M/rtrace_bench_c.ko && insmod $M/rtrace_bench.ko || fail "insmod"; }
unload() { rmmod rtrace_bench && rmmod rtrace_bench_c || fail "rmmod"; }

# buffers KB: both tracers' buffers KB KiB per CPU, in overwrite mode, empty.
buffers() {
	echo "$1" >$R/buffer_size_kb && echo 1 >$R/overwrite || fail "ring: buffer_size_kb $1"
	echo "$1" >$T/buffer_size_kb && echo 1 >$T/options/overwrite || fail "ftrace: buffer_size_kb $1"
}

# take RUN SUFFIX: the figures the benchmark modules logged since the last call, as lines
# "RUN MODULE CASE<SUFFIX> PS".
take() {
	dmesg -c | sed -En "s/.*(rtrace_bench_c|rtrace_bench): case=([a-z_0-9]+) ps_per_call=([0-9]+).*/$1 \\1 \\2$2 \\3/p" >>/tmp/results
}

ring_stat() { sed -n "s/^$1: //p" $R/stats; }

# ring RUN CASE EVENTS: EVENTS events of bench:ring_event through the ring tracer; appends
# "count RUN rtrace CASE recorded overwritten dropped" to /tmp/counts.
ring() {
	echo 1 >$R/reset || fail "ring: reset"
	echo ring:bench:ring_event >$SE || fail "ring: connect"
	echo "ring $3" >$D/rtrace_bench/run || fail "ring: run"
	echo '!ring:bench:ring_event' >$SE || fail "ring: disconnect"
	take "$1" "_$2"
	echo "count $1 rtrace $2 $(($(ring_stat entries) - $(ring_stat dropped))) $(ring_stat overrun) $(ring_stat dropped)" >>/tmp/counts
}

# ftrace RUN CASE EVENTS: the same with ftrace's event; recorded = entries + overrun (overwritten).
ftrace() {
	echo >$T/trace
	echo 1 >$EV/enable || fail "ftrace: enable"
	echo "ftrace $3" >$D/rtrace_bench_c/run || fail "ftrace: run"
	echo 0 >$EV/enable
	take "$1" "_$2"
	cat $T/per_cpu/cpu*/stats | awk -v tag="count $1 c $2" '/^entries:/ { e += $2 }
		/^overrun:/ { o += $2 } /^dropped events:/ { d += $3 }
		END { print tag, e + o, o, d + 0 }' >>/tmp/counts
}

: >/tmp/results
: >/tmp/counts
dmesg -c >/dev/null
run=1
while [ $run -le "$runs" ]; do
	load
	# Alternating: rtrace first in odd runs, C (ftrace) first in even ones.
	if [ $((run % 2)) = 1 ]; then order="rtrace c"; else order="c rtrace"; fi
	for side in $order; do
		if [ $side = rtrace ]; then
			echo sites >$D/rtrace_bench/run || fail "rtrace_bench: sites"
		else
			echo sites >$D/rtrace_bench_c/run || fail "rtrace_bench_c: sites"
		fi
	done
	take $run ""
	buffers $WRAP_KB
	for side in $order; do
		if [ $side = rtrace ]; then ring $run overwrite $WRAP_EVENTS; else ftrace $run overwrite $WRAP_EVENTS; fi
	done
	buffers $NOWRAP_KB
	for side in $order; do
		if [ $side = rtrace ]; then ring $run nowrap $NOWRAP_EVENTS; else ftrace $run nowrap $NOWRAP_EVENTS; fi
	done
	unload
	run=$((run + 1))
done

# Record sizes, measured: SIZE_EVENTS events in each tracer's buffer, nothing lost; the ring's
# bytes as trace_pipe_raw gives them (whole records), ftrace's as its stats count them.
load
buffers $WRAP_KB
ring 0 size $SIZE_EVENTS
for d in $R/per_cpu/cpu*; do
	[ "$(sed -n 's/^in_buffer: //p' $d/stats)" = 0 ] || dd if=$d/trace_pipe_raw bs=1048576 count=1 2>/dev/null
done >/tmp/raw.bin
ring_bytes=$(wc -c </tmp/raw.bin)
ftrace 0 size $SIZE_EVENTS
ftrace_bytes=$(cat $T/per_cpu/cpu*/stats | awk '/^bytes:/ { b += $2 } END { print b + 0 }')
unload
rmmod rtrace_ring && rmmod rtrace_marker && rmmod rtrace_tracepoint

(cat /tmp/counts /tmp/results) | awk -v mode="$mode" -v runs="$runs" -v ring_bytes="$ring_bytes" \
	-v ftrace_bytes="$ftrace_bytes" -v size_events=$SIZE_EVENTS -v wrap_events=$WRAP_EVENTS \
	-v nowrap_events=$NOWRAP_EVENTS -v wrap_kb=$WRAP_KB -v nowrap_kb=$NOWRAP_KB '
	function sort(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) {
			t = a[i]
			for (j = i - 1; j >= 1 && a[j] > t; j--)
				a[j + 1] = a[j]
			a[j + 1] = t
		}
	}
	# stats(list): sets MED, MIN and MAX of the space-separated numbers of list; returns how many.
	function stats(list,   a, n, i) {
		n = split(list, a, " ")
		for (i = 1; i <= n; i++)
			a[i] += 0
		sort(a, n)
		MIN = a[1]; MAX = a[n]
		MED = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		return n
	}
	# pair(label, rtrace case, C case): one row; sets RATIO to the median per-run ratio.
	function pair(label, rc, cc,   run, x, y, ratios, xs, ys, mx, my) {
		for (run = 1; run <= runs; run++) {
			x = v[run " rtrace_bench " rc]; y = v[run " rtrace_bench_c " cc]
			if (x == "" || y == "" || y == 0) { bad = bad " " rc "/" cc "(run " run ")"; continue }
			ratios = ratios " " x / y; xs = xs " " x; ys = ys " " y
		}
		if (ratios == "") { RATIO = "-"; return }
		stats(xs); mx = MED; stats(ys); my = MED; stats(ratios); RATIO = MED
		printf "%-42s %10.2f %10.2f %7.2f %6.2f %6.2f\n", label, mx / 1000, my / 1000, MED, MIN, MAX
	}
	function header(title, c) {
		print ""
		print title
		printf "%-42s %10s %10s %7s %6s %6s\n", "case", "rtrace", c, "ratio", "min", "max"
	}
	$1 == "count" {
		key = $3 " " $4
		rec[key] = rec[key] " " $5; ov[key] = ov[key] " " $6; dr[key] = dr[key] " " $7
		if ($4 == "size") next
		want = $4 == "overwrite" ? wrap_events : nowrap_events
		if ($5 != want || $7 != 0) lost = lost " " $3 " " $4 " (run " $2 ": " $5 " of " want ", " $7 " dropped)"
		if ($4 == "overwrite" && $6 == 0) nowrapped = nowrapped " " $3 "(run " $2 ")"
		if ($4 == "nowrap" && $6 != 0) wrapped = wrapped " " $3 "(run " $2 ": " $6 ")"
		next
	}
	{ v[$1 " " $2 " " $3] = $4 }
	END {
		unit = mode == "icount" ? "instructions (icount)" : "ns (TCG time)"
		printf "%s per call, %d alternating runs: median of each side; ratio rtrace/C: median, min and max of the per-run ratios\n", unit, runs
		header("tracepoint site (10,000,000 calls each, preemption off)", "C")
		pair("disabled", "probes0", "probes0")
		pair("enabled, 1 probe", "probes1", "probes1"); one_probe = RATIO
		pair("enabled, 2 probes", "probes2", "probes2")
		pair("enabled, 4 probes", "probes4", "probes4")
		header("marker and bridge (C: the anchor in the same run)", "C")
		pair("marker emit, no sink / C disabled", "marker_nosink", "probes0")
		pair("bridge sched_switch, no sink / C", "switch_probe", "switch_probe")
		for (run = 1; run <= runs; run++)
			empty = empty " " v[run " rtrace_bench empty_loop"]
		if (stats(empty))
			printf "%-42s %10.2f\n", "empty loop (reference)", MED / 1000
		header("ring tracer vs ftrace, event a,b,c: u32, comm: char[16]", "ftrace")
		pair(sprintf("overwrite, %d KiB/CPU, %d events", wrap_kb, wrap_events), "ring_event_overwrite", "ftrace_event_overwrite"); ring_ratio = RATIO
		pair(sprintf("non-wrapping, %d KiB/CPU, %d events", nowrap_kb, nowrap_events), "ring_event_nowrap", "ftrace_event_nowrap"); nowrap_ratio = RATIO
		print ""
		printf "events recorded per run (overwrite, of %d): ring%s, ftrace%s\n", wrap_events, rec["rtrace overwrite"], rec["c overwrite"]
		printf "  overwritten: ring%s, ftrace%s\n", ov["rtrace overwrite"], ov["c overwrite"]
		printf "events recorded per run (non-wrapping, of %d): ring%s, ftrace%s\n", nowrap_events, rec["rtrace nowrap"], rec["c nowrap"]
		printf "  overwritten (must be 0): ring%s, ftrace%s\n", ov["rtrace nowrap"], ov["c nowrap"]
		ring_rec = ring_bytes / size_events; ftrace_rec = ftrace_bytes / size_events
		printf "record size, bytes (%d events; ring: trace_pipe_raw, ftrace: stats bytes): ring %.2f, ftrace %.2f, ratio %.2f\n", size_events, ring_rec, ftrace_rec, ftrace_rec ? ring_rec / ftrace_rec : 0
		ok = 1
		if (rec["rtrace size"] != " " size_events || rec["c size"] != " " size_events || ov["rtrace size"] != " 0" || ov["c size"] != " 0") {
			print "FAILED: the record-size runs lost or overwrote events"; ok = 0
		}
		if (lost != "") { print "FAILED: events lost:" lost; ok = 0 }
		if (nowrapped != "") { print "FAILED: the overwrite case did not wrap:" nowrapped; ok = 0 }
		if (wrapped != "") { print "FAILED: the non-wrapping case overwrote events:" wrapped; ok = 0 }
		if (bad != "") { print "FAILED: figures missing:" bad; ok = 0 }
		if (!ok) exit 1
		print "every event recorded by both tracers; the non-wrapping case overwrote none"
		printf "vm: mode=%s runs=%d ring_vs_ftrace=%.2f ring_vs_ftrace_nowrap=%.2f one_probe_vs_c=%.2f record_bytes=%.0f ftrace_record_bytes=%.0f\n", mode, runs, ring_ratio, nowrap_ratio, one_probe, ring_rec, ftrace_rec
	}'
