# SPDX-License-Identifier: GPL-2.0
# The bridge: the running kernel's scheduler and irq tracepoints arrive as markers, with the pids
# and comms of a real workload.
MK=$DEBUGFS/rtrace/markers
SC=$DEBUGFS/rtrace_sink_test/control
R=$DEBUGFS/rtrace_sink_test/records
sc() { echo "$*" >$SC; }

dmesg_mark
check "bridge: cores, test sink and bridge load" sh -c "insmod $MODULES/rtrace_tracepoint.ko && insmod $MODULES/rtrace_marker.ko && insmod $MODULES/rtrace_sink_test.ko && insmod $MODULES/rtrace_bridge.ko"
check "bridge: every kernel tracepoint found and connected" dmesg_has "rtrace_bridge: 8 of 8 kernel tracepoints connected"
check_eq "bridge: sched markers" "sched_process_exec sched_process_exit sched_process_fork sched_switch sched_wakeup sched_wakeup_new" "$(ls $MK/sched | tr '\n' ' ' | sed 's/ $//')"
check_eq "bridge: irq markers" "irq_handler_entry irq_handler_exit" "$(ls $MK/irq | tr '\n' ' ' | sed 's/ $//')"

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

check "bridge: rmmod the bridge while the sink is loaded" unload rtrace_bridge
check_eq "bridge: its markers are gone" "" "$(ls $MK)"
check "bridge: rmmod everything" sh -c "rmmod rtrace_sink_test && rmmod rtrace_marker && rmmod rtrace_tracepoint"
