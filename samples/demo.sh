#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run`, inside the VM: the real kernel's sched and irq tracepoints (through the bridge) and
# the sample subsystem's Rust tracepoints (through its probe module) become markers; the
# statistics sink is connected to them; `rtrace record -e ... -- workload` connects the
# ring-buffer tracer and records while a small workload runs; then the decoded trace (with
# ftrace's prev_state letters), the counts, the statistics, and the recording itself (sent to the
# host, which exports it to CTF, JSON and Perfetto: scripts/run-demo).
M=/rtrace/modules
show() { echo; echo "# $*"; }

show "insmod the cores, the tracer, the statistics sink, the bridge, the sample and its probe module"
for m in rtrace_tracepoint rtrace_marker rtrace_ring rtrace_stats rtrace_bridge rtrace_sample_markers rtrace_sample; do
	[ -f $M/$m.ko ] || continue
	insmod $M/$m.ko || exit 1
done
show "rtrace list markers"
rtrace list markers
if [ -d /sys/kernel/debug/rtrace/sinks/stats ]; then
	show "rtrace enable --sink stats 'sched:*' 'sample:*', and a histogram of sched_switch's prev_prio"
	rtrace enable --sink stats 'sched:*' 'sample:*'
	echo "sched:sched_switch prev_prio" >/sys/kernel/debug/rtrace/sinks/stats/hist
fi
rtrace list connections

cat >/tmp/workload <<'W'
#!/bin/sh
# Forks, execs, sleeps, and CPU hogs of a fixed amount of work, two per CPU, which preempt
# each other.
n=$(grep -c ^processor /proc/cpuinfo)
i=0
while [ $i -lt $((2 * n)) ]; do
	sh -c 'k=0; while [ $k -lt 300 ]; do k=$((k + 1)); done' &
	i=$((i + 1))
done
i=0
while [ $i -lt 5 ]; do
	ls /proc >/dev/null 2>&1
	sh -c 'echo $$ >/dev/null'
	sleep 0.05
	i=$((i + 1))
done
wait
W
chmod +x /tmp/workload
show "rtrace record -e 'sched:*' -e 'irq:*' -e 'sample:*' -o /tmp/recording -- /tmp/workload"
# (Its live line and the markers it connects go to a log: the last two lines are the summary.)
rtrace record -e 'sched:*' -e 'irq:*' -e 'sample:*' -o /tmp/recording -- /tmp/workload 2>/tmp/record.log ||
	{ cat /tmp/record.log; exit 1; }
tail -n 2 /tmp/record.log

show "rtrace report /tmp/recording | head -n 30   (decoded: comm-pid [cpu] time: subsystem:event: fields)"
rtrace report /tmp/recording | head -n 30
show "rtrace report -e sched:sched_switch /tmp/recording | head -n 12   (prev_state as ftrace prints it: R+ preempted, S sleeping, Z exited...)"
rtrace report -e sched:sched_switch /tmp/recording | head -n 12
show "prev_state letters of the recording's switches"
rtrace report -e sched:sched_switch /tmp/recording | sed -n 's/.* prev_state=\([^ ]*\) .*/\1/p' | sort | uniq -c
show "rtrace report --stat /tmp/recording"
rtrace report --stat /tmp/recording
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
