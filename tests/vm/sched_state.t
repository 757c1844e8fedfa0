# SPDX-License-Identifier: GPL-2.0
# ftrace's scheduling semantics: ftrace and rtrace record sched_switch and sched_wakeup beside
# each other over one workload (forks, sleeps, exits, preemption by CPU hogs), and every event
# rtrace recorded is ftrace's, in the same order on each CPU, with the same prev_state letters
# (rtrace report) and target_cpu.
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
for m in rtrace_tracepoint rtrace_marker rtrace_ring rtrace_bridge; do load $m >/dev/null; done
check "sched_state: ftrace's sched events are there" test -d $T/events/sched/sched_switch

# The workload: CPU hogs of a fixed amount of work (one more than CPUs, so that they preempt each
# other), forks that exit, sleeps, a pipe reader that blocks.
cat >/tmp/sched-work.sh <<'W'
n=$(grep -c ^processor /proc/cpuinfo)
i=0
while [ $i -le $n ]; do
	sh -c 'k=0; while [ $k -lt 3000 ]; do k=$((k + 1)); done' &
	i=$((i + 1))
done
j=0
while [ $j -lt 5 ]; do
	sh -c 'sleep 0.01' &
	echo x | cat >/dev/null
	j=$((j + 1))
done
wait
W

echo 4096 >$T/buffer_size_kb
echo local >$T/trace_clock
echo >$T/trace
echo 1 >$T/events/sched/sched_switch/enable
echo 1 >$T/events/sched/sched_wakeup/enable
rtrace record -b 4096 -e sched:sched_switch -e sched:sched_wakeup -o /tmp/ss -- sh /tmp/sched-work.sh >/tmp/ss.log 2>&1
rc=$?
echo 0 >$T/events/sched/sched_switch/enable
echo 0 >$T/events/sched/sched_wakeup/enable
check_eq "sched_state: rtrace record -- workload" 0 "$rc"

# One line per event: CPU, kind, and the fields both record (ftrace prints target_cpu=%03d).
norm() {
	sed -n \
		-e 's/.*\[\([0-9]*\)\].*sched_switch: .*prev_pid=\([0-9]*\) .*prev_state=\([^ ]*\) .*next_pid=\([0-9]*\) .*/\1 switch \2 \3 \4/p' \
		-e 's/.*\[\([0-9]*\)\].*sched_wakeup: .* pid=\([0-9]*\) .*target_cpu=0*\([0-9][0-9]*\).*/\1 wakeup \2 \3/p'
}
# Each CPU's file: ftrace's merged `trace` is slow to read on the debug kernel.
for f in $T/per_cpu/cpu*/trace; do norm <$f; done >/tmp/ftrace.txt
rtrace report /tmp/ss | norm >/tmp/rtrace.txt
overrun=$(cat $T/per_cpu/cpu*/stats | awk '/^overrun:/ { o += $2 } END { print o + 0 }')
check_eq "sched_state: ftrace lost nothing" 0 "$overrun"
check_eq "sched_state: rtrace lost nothing" 0 "$(rtrace report --stat /tmp/ss | awk '$1 == "total" { print $3 }')"
n=$(wc -l </tmp/rtrace.txt)
echo "# rtrace: $n events, ftrace: $(wc -l </tmp/ftrace.txt)"
echo "# prev_state letters: $(awk '$2 == "switch" { print $4 }' /tmp/rtrace.txt | sort | uniq -c | tr '\n' ' ')"
check "sched_state: hundreds of events" test "$n" -gt 200

# rtrace's markers were connected after ftrace's events and disconnected before them (one marker
# after the other): on each CPU, rtrace's events of each kind are one run of ftrace's, event by
# event.
same=$(runs_of_ftrace /tmp/ftrace.txt /tmp/rtrace.txt)
check_eq "sched_state: every rtrace event is ftrace's, same order per CPU, same prev_state and target_cpu" 1 "$same"
letters() { awk -v s="$1" '$2 == "switch" && $4 == s' /tmp/rtrace.txt | wc -l; }
check "sched_state: preempted tasks are R+" test "$(letters R+)" -gt 0
check "sched_state: sleeping tasks are S" test "$(letters S)" -gt 0
check "sched_state: exiting tasks are Z or X" test $(($(letters Z) + $(letters X))) -gt 0
check_eq "sched_state: no raw state leaks (no numbers)" 0 "$(awk '$2 == "switch" && $4 ~ /[0-9]/' /tmp/rtrace.txt | wc -l)"
check "sched_state: wakeups carry target_cpu" test "$(awk '$2 == "wakeup"' /tmp/rtrace.txt | wc -l)" -gt 0

echo 1408 >$T/buffer_size_kb
for m in rtrace_bridge rtrace_ring rtrace_marker rtrace_tracepoint; do unload $m >/dev/null; done
