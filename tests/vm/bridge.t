# SPDX-License-Identifier: GPL-2.0
# The bridge: the running kernel's scheduler, irq, softirq and system call tracepoints arrive as
# markers, with the values of a real workload.
MK=$DEBUGFS/rtrace/markers
SC=$DEBUGFS/rtrace_sink_test/control
R=$DEBUGFS/rtrace_sink_test/records
sc() { echo "$*" >$SC; }
# le64 N: N as the hex of a little-endian 64-bit integer (two's complement), as in marker records.
le64() { printf '%016x' "$1" | sed 's/\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)/\8\7\6\5\4\3\2\1/'; }
# u32_at LINE N: the little-endian u32 at byte N of a records line's payload, in decimal.
u32_at() {
	h=$(echo "$1" | cut -d' ' -f3 | cut -c$(($2 * 2 + 1))-$(($2 * 2 + 8)))
	echo $((0x$(echo "$h" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/')))
}

dmesg_mark
check "bridge: cores, test sink and bridge load" sh -c "insmod $MODULES/rtrace_tracepoint.ko && insmod $MODULES/rtrace_marker.ko && insmod $MODULES/rtrace_sink_test.ko && insmod $MODULES/rtrace_bridge.ko"
check "bridge: every kernel tracepoint found and connected" dmesg_has "rtrace_bridge: 14 of 14 kernel tracepoints connected"
check_eq "bridge: sched markers" "sched_migrate_task sched_process_exec sched_process_exit sched_process_fork sched_switch sched_wakeup sched_wakeup_new sched_waking" "$(ls $MK/sched | tr '\n' ' ' | sed 's/ $//')"
check_eq "bridge: irq markers" "irq_handler_entry irq_handler_exit softirq_entry softirq_exit" "$(ls $MK/irq | tr '\n' ' ' | sed 's/ $//')"
check_eq "bridge: raw_syscalls markers" "sys_enter sys_exit" "$(ls $MK/raw_syscalls | tr '\n' ' ' | sed 's/ $//')"
check_eq "bridge: sys_enter's fields are ftrace's (args[6] as arg0..arg5)" \
	"id:s64 arg0:u64 arg1:u64 arg2:u64 arg3:u64 arg4:u64 arg5:u64" \
	"$(sed -n 's/^\tfield:\([a-z0-9]*\) \([a-z0-9_]*\);.*/\2:\1/p' $MK/raw_syscalls/sys_enter/format | tr '\n' ' ' | sed 's/ $//')"

for e in sched_process_fork sched_process_exec sched_process_exit; do sc connect sched $e; done
# A script, so that the kernel execs it (busybox runs its own applets without exec).
printf '#!/bin/sh\nsleep 1\n' >/tmp/work.sh
chmod +x /tmp/work.sh
sc clear
/tmp/work.sh &
pid=$!
sleep 0.3
comm=$(cat /proc/$pid/comm)
wait $pid
check_eq "bridge: the workload's comm in /proc" "work.sh" "$comm"
check "bridge: sched_process_fork: this shell ($$) forked the workload ($pid)" \
	grep -q "^$(marker_id sched sched_process_fork) 40 $(comm16 sh)$(le32 $$)$(comm16 sh)$(le32 $pid)\$" $R
check "bridge: sched_process_exec: pid $pid now runs '$comm'" \
	grep -q "^$(marker_id sched sched_process_exec) 24 $(comm16 "$comm")$(le32 $pid)$(le32 $pid)\$" $R
check "bridge: sched_process_exit: '$comm' ($pid) exits at priority 120" \
	grep -q "^$(marker_id sched sched_process_exit) 24 $(comm16 "$comm")$(le32 $pid)$(le32 120)\$" $R
for e in sched_process_fork sched_process_exec sched_process_exit; do sc disconnect sched $e; done

sc connect sched sched_switch
sc clear
sleep 0.2 &
pid=$!
wait $pid
sc disconnect sched sched_switch
check "bridge: sched_switch: the workload ($pid) left the CPU" \
	grep -q "^$(marker_id sched sched_switch) 52 $(comm16 sleep)$(le32 $pid)" $R
check "bridge: sched_switch: ... and was switched to" \
	grep -q "^$(marker_id sched sched_switch) 52 .\{56\}$(comm16 sleep)$(le32 $pid)" $R

sc connect irq irq_handler_entry
sc connect irq irq_handler_exit
sc clear
# Output on ttyS1 (this script's stdout) raises its interrupt, irq 3, but when is up to the
# serial port: output is written until both records of one of its interrupts are there (at most
# 100 times, stopping at the first), and only then are the markers disconnected.
entry="^$(marker_id irq irq_handler_entry) 4 $(le32 3)\$"
exit="^$(marker_id irq irq_handler_exit) 8 $(le32 3)$(le32 1)\$"
tries=0
while ! { grep -q "$entry" $R && grep -q "$exit" $R; } && [ $tries -lt 100 ]; do
	echo "# output on ttyS1 raises its interrupt (irq 3)"
	sleep 0.1
	tries=$((tries + 1))
done
sc disconnect irq irq_handler_entry
sc disconnect irq irq_handler_exit
check "bridge: irq_handler_entry of the serial port's irq 3" grep -q "$entry" $R
check "bridge: irq_handler_exit of irq 3, handled" grep -q "$exit" $R

# sched_waking, then sched_wakeup, of a task woken from its sleep: its comm, pid and priority,
# on a CPU of this machine.
sc connect sched sched_waking
sc connect sched sched_wakeup
sc clear
sleep 0.2 &
pid=$!
wait $pid
sc disconnect sched sched_waking
sc disconnect sched sched_wakeup
waking="^$(marker_id sched sched_waking) 28 $(comm16 sleep)$(le32 $pid)$(le32 120)"
wakeup="^$(marker_id sched sched_wakeup) 28 $(comm16 sleep)$(le32 $pid)$(le32 120)"
check "bridge: sched_waking of the sleeping workload ($pid), priority 120" grep -q "$waking" $R
line=$(grep "$waking" $R | head -n 1)
cpu=$(u32_at "$line" 24)
check "bridge: sched_waking: its target_cpu ($cpu) is a CPU of this machine" [ "$cpu" -lt "$(nproc)" ]
check "bridge: sched_waking comes before the task's sched_wakeup" \
	[ "$(grep -n "$waking" $R | head -n 1 | cut -d: -f1)" -lt "$(grep -n "$wakeup" $R | head -n 1 | cut -d: -f1)" ]

# sched_migrate_task: a task pinned to CPU 0, asleep, is allowed CPU 1 only, then killed: it
# moves from CPU 0 to CPU 1 (when its affinity changes if it is queued, else when the kill
# wakes it), exactly once.
sc connect sched sched_migrate_task
taskset 1 sleep 1000 &
pid=$!
# Until it has exec'd (its comm is sleep), it is the shell's fork, pinning itself.
tries=0
while [ "$(cat /proc/$pid/comm)" != sleep ] && [ $tries -lt 100 ]; do
	sleep 0.1
	tries=$((tries + 1))
done
sc clear
taskset -p 2 $pid >/dev/null
kill -9 $pid
wait $pid 2>/dev/null
sc disconnect sched sched_migrate_task
check_eq "bridge: sched_migrate_task: the pinned workload ($pid) moves from CPU 0 to CPU 1, once" 1 \
	"$(grep -c "^$(marker_id sched sched_migrate_task) 32 $(comm16 sleep)$(le32 $pid)$(le32 120)$(le32 0)$(le32 1)\$" $R)"

# raw_syscalls: dd reads and writes one 4321-byte block (read is system call 0, write 1 on
# x86_64), and cat fails to open a missing file (openat, 257, returns -ENOENT). Filters keep the
# records of these calls (and few others).
echo 'arg2 == 4321' >$MK/raw_syscalls/sys_enter/filter
echo 'ret == 4321 || ret == -2' >$MK/raw_syscalls/sys_exit/filter
sc connect raw_syscalls sys_enter
sc connect raw_syscalls sys_exit
sc clear
dd if=/dev/zero of=/dev/null bs=4321 count=1 2>/dev/null
cat /nonexistent/rtrace 2>/dev/null
sc disconnect raw_syscalls sys_enter
sc disconnect raw_syscalls sys_exit
echo 0 >$MK/raw_syscalls/sys_enter/filter
echo 0 >$MK/raw_syscalls/sys_exit/filter
enter="^$(marker_id raw_syscalls sys_enter) 56"
exit="^$(marker_id raw_syscalls sys_exit) 16"
check "bridge: sys_enter: read(fd, buf, 4321)" grep -q "$enter $(le64 0).\{32\}$(le64 4321)" $R
check "bridge: sys_enter: write(fd, buf, 4321)" grep -q "$enter $(le64 1).\{32\}$(le64 4321)" $R
check "bridge: sys_exit: read returned 4321" grep -q "$exit $(le64 0)$(le64 4321)\$" $R
check "bridge: sys_exit: write returned 4321" grep -q "$exit $(le64 1)$(le64 4321)\$" $R
check "bridge: sys_exit: openat of a missing file returned -ENOENT" grep -q "$exit $(le64 257)$(le64 -2)\$" $R

# softirqs: when they run is the kernel's business (timers, RCU, load balancing), not this
# script's: commands run until an entry and an exit of one softirq vector are both recorded (at
# most 100 times); every vector recorded must be one of the ten.
sc connect irq softirq_entry
sc connect irq softirq_exit
sc clear
entry="^$(marker_id irq softirq_entry) 4 "
exit="^$(marker_id irq softirq_exit) 4 "
# matched: the vectors (record hex) with both an entry and an exit recorded.
matched() { grep "$entry" $R | cut -d' ' -f3 | sort -u | while read v; do grep -q "$exit$v\$" $R && echo $v; done; }
tries=0
while [ -z "$(matched)" ] && [ $tries -lt 100 ]; do
	echo "# waiting for a softirq"
	sleep 0.1
	tries=$((tries + 1))
done
sc disconnect irq softirq_entry
sc disconnect irq softirq_exit
check "bridge: softirq_entry and softirq_exit of one vector ($(matched | head -n 1))" [ -n "$(matched)" ]
bad=
for v in $(grep -e "$entry" -e "$exit" $R | cut -d' ' -f3 | sort -u); do
	[ "$(u32_at "0 4 $v" 0)" -lt 10 ] || bad="$bad $v"
done
check_eq "bridge: every softirq vector recorded is below NR_SOFTIRQS (10)" "" "$bad"

check "bridge: rmmod the bridge while the sink is loaded" unload rtrace_bridge
check_eq "bridge: its markers are gone" "" "$(ls $MK)"
check "bridge: rmmod everything" sh -c "rmmod rtrace_sink_test && rmmod rtrace_marker && rmmod rtrace_tracepoint"

# The new events beside ftrace's: ftrace and rtrace record sched_waking, sched_migrate_task,
# softirq_entry and softirq_exit over one workload (CPU hogs that preempt each other, sleeps,
# tasks moved between CPUs by taskset), and every event rtrace recorded is ftrace's, in the same
# order on each CPU, with the same values (as sched_state.t does for sched_switch and
# sched_wakeup).
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
for m in rtrace_tracepoint rtrace_marker rtrace_ring rtrace_bridge; do load $m >/dev/null; done
cat >/tmp/bridge-work.sh <<'W'
n=$(grep -c ^processor /proc/cpuinfo)
i=0
while [ $i -le $n ]; do
	sh -c 'k=0; while [ $k -lt 2000 ]; do k=$((k + 1)); done' &
	i=$((i + 1))
done
j=0
while [ $j -lt 5 ]; do
	taskset 1 sleep 0.01 &
	p=$!
	taskset -p 2 $p >/dev/null 2>&1
	j=$((j + 1))
done
wait
W
events="sched/sched_waking sched/sched_migrate_task irq/softirq_entry irq/softirq_exit"
echo 4096 >$T/buffer_size_kb
echo local >$T/trace_clock
echo >$T/trace
for e in $events; do echo 1 >$T/events/$e/enable; done
rtrace record -b 4096 -e sched:sched_waking -e sched:sched_migrate_task -e 'irq:softirq_*' \
	-o /tmp/bw -- sh /tmp/bridge-work.sh >/tmp/bw.log 2>&1
rc=$?
for e in $events; do echo 0 >$T/events/$e/enable; done
check_eq "bridge: beside ftrace: rtrace record -- workload" 0 "$rc"
# One line per event: CPU, kind and the fields (ftrace prints target_cpu=%03d, and a softirq's
# name after its vec).
norm() {
	sed -n \
		-e 's/.*\[\([0-9]*\)\].*sched_waking: .* pid=\([0-9]*\) prio=\([0-9]*\) target_cpu=0*\([0-9][0-9]*\).*/\1 waking \2 \3 \4/p' \
		-e 's/.*\[\([0-9]*\)\].*sched_migrate_task: .* pid=\([0-9]*\) prio=\([0-9]*\) orig_cpu=\([0-9]*\) dest_cpu=\([0-9]*\).*/\1 migrate \2 \3 \4 \5/p' \
		-e 's/.*\[\([0-9]*\)\].*softirq_\(entry\|exit\): vec=\([0-9]*\).*/\1 \2 \3/p'
}
for f in $T/per_cpu/cpu*/trace; do norm <$f; done >/tmp/bf.txt
rtrace report /tmp/bw | norm >/tmp/br.txt
check_eq "bridge: beside ftrace: ftrace lost nothing" 0 \
	"$(cat $T/per_cpu/cpu*/stats | awk '/^overrun:/ { o += $2 } END { print o + 0 }')"
check_eq "bridge: beside ftrace: rtrace lost nothing" 0 \
	"$(rtrace report --stat /tmp/bw | awk '$1 == "total" { print $3 }')"
echo "# rtrace: $(wc -l </tmp/br.txt) events ($(awk '{ print $2 }' /tmp/br.txt | sort | uniq -c | tr '\n' ' ')), ftrace: $(wc -l </tmp/bf.txt)"
for kind in waking migrate entry exit; do
	check "bridge: beside ftrace: rtrace recorded $kind events" \
		test "$(awk -v k=$kind '$2 == k' /tmp/br.txt | wc -l)" -gt 0
done
# rtrace's markers were connected after ftrace's events and disconnected before them: on each
# CPU, rtrace's events of each kind are one run of ftrace's, event by event.
same=$(runs_of_ftrace /tmp/bf.txt /tmp/br.txt)
check_eq "bridge: beside ftrace: every rtrace event is ftrace's, same order per CPU, same values" 1 "$same"
echo 1408 >$T/buffer_size_kb
for m in rtrace_bridge rtrace_ring rtrace_marker rtrace_tracepoint; do unload $m >/dev/null; done
