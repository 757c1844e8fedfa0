# SPDX-License-Identifier: GPL-2.0
# The sample subsystem with its probe: typed tracepoints fired by a kthread ring, counted exactly.
TP=$DEBUGFS/rtrace/tracepoints
dmesg_mark
check "sample: insmod rtrace_tracepoint" load rtrace_tracepoint
check "sample: debugfs rtrace/tracepoints exists" test -f $TP
check "sample: probe loads before the instrumented module" load rtrace_sample_counter
check "sample: probe waits, pending, for sched_switch" grep -q '^sched_switch(prev: &Task, next: &Task) module=- probes=1 enabled=0 pending$' $TP
check "sample: pending probe shows its module and prio" grep -q '^  probe module=rtrace_sample_counter prio=10$' $TP
check "sample: insmod rtrace_sample" load rtrace_sample
check "sample: sched_switch defined, connected, enabled" grep -q '^sched_switch(prev: &Task, next: &Task) module=rtrace_sample probes=1 enabled=1$' $TP
check "sample: sched_wakeup defined, connected, enabled" grep -q '^sched_wakeup(task: &Task) module=rtrace_sample probes=1 enabled=1$' $TP
sleep 1
check "sample: rmmod rtrace_sample" unload rtrace_sample
hops=$(dmesg | sed -n 's/.*rtrace_sample: unloaded after \([0-9]*\) hand-offs.*/\1/p' | tail -n 1)
check "sample: the ring made hand-offs ($hops)" test "${hops:-0}" -gt 0
check "sample: probe is pending again" grep -q '^sched_switch(prev: &Task, next: &Task) module=- probes=1 enabled=0 pending$' $TP
check "sample: rmmod rtrace_sample_counter" unload rtrace_sample_counter
counts=$(dmesg | sed -n 's/.*rtrace_sample_counter: \(sched_switch=[0-9]* sched_wakeup=[0-9]*\).*/\1/p' | tail -n 1)
check_eq "sample: probe saw every event exactly" "sched_switch=$hops sched_wakeup=$hops" "$counts"
check_eq "sample: registry empty" "" "$(cat $TP)"
check "sample: rmmod rtrace_tracepoint" unload rtrace_tracepoint
check_fails "sample: debugfs rtrace/ gone" test -e $DEBUGFS/rtrace
