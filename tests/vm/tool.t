# SPDX-License-Identifier: GPL-2.0
# The rtrace tool on the real kernel: record -- CMD with --filter and --buffer-size, snapshot of a
# flight recorder, stream, report options and the exports.
R=$DEBUGFS/rtrace/sinks/ring
for m in rtrace_tracepoint rtrace_marker rtrace_ring rtrace_bridge; do load $m >/dev/null; done

# A program of its own name, so that a filter can pick its switches.
printf '#!/bin/sh\ni=0\nwhile [ $i -lt 5 ]; do sleep 0.02; i=$((i + 1)); done\n' >/tmp/tool-work
chmod +x /tmp/tool-work
rtrace record -b 256 -e 'sched:sched_switch' --filter 'prev_comm == "tool-work"' -o /tmp/t1 \
	-- /tmp/tool-work >/tmp/t1.log 2>&1
check_eq "tool: record -- CMD ends with the command" 0 $?
cat /tmp/t1.log | sed 's/^/# /'
check "tool: record printed the command's exit status" grep -q "tool-work: exit status: 0" /tmp/t1.log
check_eq "tool: --buffer-size set buffer_size_kb" 256 "$(cat $R/buffer_size_kb)"
check_eq "tool: disconnected at the end" "" "$(rtrace list connections)"
check_eq "tool: the filter cleared at the end" "none" "$(cat $DEBUGFS/rtrace/markers/sched/sched_switch/filter)"
rtrace report /tmp/t1 >/tmp/t1.txt
n=$(grep -c 'sched:sched_switch: prev_comm=tool-work ' /tmp/t1.txt)
check "tool: the workload's switches were recorded (5 sleeps: $n)" test "$n" -ge 5
check_eq "tool: only the filter's" "$n" "$(wc -l </tmp/t1.txt)"
check "tool: prev_state as ftrace's letters (a sleep is S)" grep -q 'prev_comm=tool-work .*prev_state=S ' /tmp/t1.txt
if [ -e $R/clock ]; then
	check "tool: the ring's clock pair in meta.json" grep -q '"realtime_ns"' /tmp/t1/meta.json
else
	check_fails "tool: no clock pair without the ring's clock file" grep -q '"realtime_ns"' /tmp/t1/meta.json
fi

# A flight recorder: overwrite mode, connected; snapshot takes what is there and stops.
rtrace record --overwrite -e 'sched:sched_process_exec' -o /tmp/t2 -- /tmp/tool-work >/dev/null 2>&1
check_eq "tool: record --overwrite set overwrite mode" 1 "$(cat $R/overwrite)"
rtrace enable sched:sched_process_exec 2>/dev/null
/tmp/tool-work
rtrace disable sched:sched_process_exec 2>/dev/null
rtrace snapshot -o /tmp/snap >/tmp/snap.log 2>&1
check_eq "tool: snapshot" 0 $?
cat /tmp/snap.log | sed 's/^/# /'
check "tool: snapshot took the exec" sh -c "rtrace report /tmp/snap | grep -q 'sched:sched_process_exec: comm=tool-work'"
check_eq "tool: snapshot left the mode alone" 1 "$(cat $R/overwrite)"
rtrace snapshot -o /tmp/snap2 >/dev/null 2>&1
check_eq "tool: a second snapshot" 0 $?
rtrace report /tmp/snap >/tmp/snap.txt
check_eq "tool: ... gives the same events (snapshot consumes nothing)" "$(cat /tmp/snap.txt)" "$(rtrace report /tmp/snap2)"
drain /tmp/snap-pipe.txt
check "tool: trace_pipe still reads them afterwards" grep -q 'sched:sched_process_exec: comm=tool-work' /tmp/snap-pipe.txt
check_eq "tool: ... every one" "$(grep -c sched_process_exec /tmp/snap.txt)" "$(grep -c sched_process_exec /tmp/snap-pipe.txt)"
echo 0 >$R/overwrite

# stream: live lines until SIGINT.
rtrace stream -e 'sched:sched_process_exec' >/tmp/stream.txt 2>/tmp/stream.log &
sp=$!
i=0
until rtrace list connections 2>/dev/null | grep -q sched_process_exec || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
/tmp/tool-work
i=0
until grep -q 'sched:sched_process_exec: comm=tool-work' /tmp/stream.txt || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -INT $sp
wait $sp
check_eq "tool: stream ends at SIGINT" 0 $?
check "tool: stream printed the exec" grep -q 'sched:sched_process_exec: comm=tool-work' /tmp/stream.txt
check_eq "tool: stream disconnected at the end" "" "$(rtrace list connections)"

# report options and the exports.
check "tool: report --stat counts the switches" sh -c "rtrace report --stat /tmp/t1 | grep -Eq '^sched:sched_switch +$n\$'"
check "tool: report --ns" sh -c "rtrace report --ns /tmp/t1 | head -n 1 | grep -Eq '[0-9]+\.[0-9]{9}: sched:sched_switch'"
cpu=$(head -n 1 /tmp/t1.txt | sed 's/.*\[\([0-9]*\)\].*/\1/' | awk '{ print $1 + 0 }')
check "tool: report --cpu $cpu: that CPU's lines only" sh -c "rtrace report --cpu $cpu /tmp/t1 | grep -q sched_switch && ! rtrace report --cpu $cpu /tmp/t1 | grep -qv \"\\[$(printf %03d $cpu)\\]\""
for f in ctf json perfetto; do
	check "tool: export --format $f" rtrace export --format $f -o /tmp/t1.$f /tmp/t1
done
check "tool: the Perfetto trace is not empty" test -s /tmp/t1.perfetto
for m in rtrace_bridge rtrace_ring rtrace_marker rtrace_tracepoint; do unload $m >/dev/null; done
