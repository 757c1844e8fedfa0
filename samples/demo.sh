#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run`, inside the VM: the real kernel's sched and irq tracepoints (through the bridge) and
# the sample subsystem's Rust tracepoints (through its probe module) become markers; the
# ring-buffer tracer and the statistics sink are connected to them; a small workload runs while
# `rtrace record` streams the tracer's buffers; then the decoded trace, the statistics, and the
# recording itself (sent to the host, which exports it to CTF and JSON: scripts/run-demo).
M=/rtrace/modules
show() { echo; echo "# $*"; }

show "insmod the cores, the tracer, the statistics sink, the bridge, the sample and its probe module"
for m in rtrace_tracepoint rtrace_marker rtrace_ring rtrace_stats rtrace_bridge rtrace_sample_markers rtrace_sample; do
	[ -f $M/$m.ko ] || continue
	insmod $M/$m.ko || exit 1
done
show "rtrace list markers"
rtrace list markers
show "rtrace enable 'sched:*' 'irq:*' 'sample:*'   (the ring tracer)"
rtrace enable 'sched:*' 'irq:*' 'sample:*' || exit 1
if [ -d /sys/kernel/debug/rtrace/sinks/stats ]; then
	show "rtrace enable --sink stats 'sched:*' 'sample:*', and a histogram of sched_switch's prev_prio"
	rtrace enable --sink stats 'sched:*' 'sample:*'
	echo "sched:sched_switch prev_prio" >/sys/kernel/debug/rtrace/sinks/stats/hist
fi
rtrace list connections

show "rtrace record -o /tmp/recording --duration 3   (a workload runs meanwhile)"
rtrace record -o /tmp/recording --duration 3 &
rec=$!
sleep 0.5
i=0
while [ $i -lt 20 ]; do
	ls /proc >/dev/null
	sh -c 'echo $$ >/dev/null'
	sleep 0.05
	i=$((i + 1))
done
wait $rec

show "rtrace report /tmp/recording | head -n 30   (decoded: comm-pid [cpu] time: subsystem:event: fields)"
rtrace report /tmp/recording | head -n 30
show "events per marker in the recording"
rtrace report /tmp/recording | sed -n 's/^.*[0-9]: \([a-z_]*:[a-z_]*\):.*$/\1/p' | sort | uniq -c
show "rtrace stats"
rtrace stats

rtrace disable --sink ring '*:*' >/dev/null 2>&1
echo "-----BEGIN RTRACE RECORDING-----"
tar -C /tmp -cf - recording | gzip | base64
echo "-----END RTRACE RECORDING-----"
for m in rtrace_sample rtrace_sample_markers rtrace_bridge rtrace_stats rtrace_ring rtrace_marker rtrace_tracepoint; do
	grep -q "^$m " /proc/modules && rmmod $m
done
true
