# SPDX-License-Identifier: GPL-2.0
# The tracepoint core's rules and errors, driven through rtrace_tp_test (tests/kmod/tp_test.rs).
TP=$DEBUGFS/rtrace/tracepoints
C=$DEBUGFS/rtrace_tp_test/control
S=$DEBUGFS/rtrace_tp_test/stats
LINE='tp_test(seq: u64, thread: u32) module=rtrace_tp_test'
LINE2='tp_task(task: &Task) module=rtrace_tp_test probes=0 enabled=0'

# ctl COMMAND: one control write; ctl_err COMMAND MESSAGE: the write fails with MESSAGE.
ctl() { echo "$*" >$C; }
ctl_err() { sh -c "echo '$1' >$C" 2>&1 | grep -q "$2"; }
stat() { sed -n "s/^$1=//p" $S; }
hits() { stat hits | cut -d, -f$(($1 + 1)); }

dmesg_mark
check "tracepoint: core and test module load" sh -c "insmod $MODULES/rtrace_tracepoint.ko && insmod $MODULES/rtrace_tp_test.ko"
check "tracepoint: defined, no probe, disabled" grep -qx "$LINE probes=0 enabled=0" $TP
ctl fire 10
check_eq "tracepoint: firing a disabled site calls nothing" "10 0,0,0,0,0,0,0,0" "$(stat fired) $(stat hits)"

check "tracepoint: register a probe" ctl register 0 10
check "tracepoint: first probe enables the site" grep -qx "$LINE probes=1 enabled=1" $TP
check "tracepoint: same (func, data) again is -EEXIST" ctl_err "register 0 10" "File exists"
check "tracepoint: same (func, data) at another priority is -EEXIST" ctl_err "register 0 20" "File exists"
check "tracepoint: unregistering an unknown probe is -ENOENT" ctl_err "unregister 5" "No such file"
check "tracepoint: nothing changed by the refused calls" grep -qx "$LINE probes=1 enabled=1" $TP

ctl register 1 5 && ctl register 2 20 && ctl register 3 10 && ctl register 4 10
ctl fire 1
check_eq "tracepoint: higher priority first, ties in registration order" "2,0,3,4,1" "$(stat order)"
check "tracepoint: debugfs lists the probes in call order" sh -c "grep -A5 '^tp_test' $TP | sed -n 's/.*prio=//p' | tr '\n' ' ' | grep -qx '20 10 10 10 5 '"
ctl unregister 3
ctl fire 1
check_eq "tracepoint: a removed probe is no longer called" "2,0,4,1" "$(stat order)"
for i in 0 1 2 4; do ctl unregister $i; done
check "tracepoint: last probe gone disables the site" grep -qx "$LINE probes=0 enabled=0" $TP
ctl reset
ctl fire 5
check_eq "tracepoint: no probe called once all are gone" "0,0,0,0,0,0,0,0" "$(stat hits)"

# The static call (x86_64): the site calls its only probe directly, the iterator otherwise, with
# kernel/tracepoint.c's transitions; `gp` says whether a grace period passed during the command.
check_eq "tracepoint: no probe: the static call goes to the iterator" iterator "$(stat call)"
ctl register 0 10
check_eq "tracepoint: 0->1: the static call goes to the only probe" probe_even "$(stat call)"
ctl reset
ctl fire 3
check_eq "tracepoint: ... which is called, with its data" "3 0" "$(hits 0) $(stat mismatches)"
ctl register 1 5
check_eq "tracepoint: 1->2: the static call goes to the iterator" iterator "$(stat call)"
ctl reset
ctl fire 1
check_eq "tracepoint: ... which calls both, in order" "0,1" "$(stat order)"
ctl register 3 20
check_eq "tracepoint: 2->3 with a new first probe: still the iterator" iterator "$(stat call)"
ctl unregister 3
ctl unregister 0
check_eq "tracepoint: 2->1 with another first probe: the static call goes to it" probe_odd "$(stat call)"
check_eq "tracepoint: ... after a grace period (N->2->1)" 1 "$(stat gp)"
ctl reset
ctl fire 2
check_eq "tracepoint: ... which is called, with its data" "2 0 0" "$(hits 1) $(hits 0) $(stat mismatches)"
ctl swap 1 2
check_eq "tracepoint: 1->0->1: the static call goes to the new probe" probe_even "$(stat call)"
check_eq "tracepoint: ... after a grace period (1->0->1)" 1 "$(stat gp)"
ctl reset
ctl fire 2
check_eq "tracepoint: ... which is called, with its data" "2 0 0" "$(hits 2) $(hits 1) $(stat mismatches)"
ctl unregister 2
check_eq "tracepoint: 1->0: the static call goes back to the iterator" iterator "$(stat call)"
check "tracepoint: ... and the site is disabled" grep -qx "$LINE probes=0 enabled=0" $TP

ctl register 0 10
ctl reset
check "tracepoint: fire from hardirq context (hrtimer)" ctl hardirq 50
check "tracepoint: fire from softirq context (hrtimer, soft)" ctl softirq 50
check_eq "tracepoint: ... every event reached the probe" "100 100" "$(stat fired) $(hits 0)"
ctl unregister 0

check "tracepoint: malformed command is -EINVAL" ctl_err "bogus" "Invalid argument"
check "tracepoint: probe id out of range is -EINVAL" ctl_err "register 9 10" "Invalid argument"
check "tracepoint: over-long write is -EINVAL" ctl_err "register $(printf '%0200d' 1) 10" "Invalid argument"

check_fails "tracepoint: a probe from another declaration of the name is refused" load rtrace_tp_badsig
check "tracepoint: ... with -EINVAL" sh -c "insmod $MODULES/rtrace_tp_badsig.ko 2>&1 | grep -q 'Invalid argument'"
check "tracepoint: ... and a message naming both signatures" dmesg_has "rtrace_tp_badsig: tracepoint tp_test\(seq: u32\) does not match its declaration tp_test\(seq: u64, thread: u32\)"
check "tracepoint: the same text with another Task type is refused, naming both types" dmesg_has "rtrace_tp_badsig: tracepoint tp_task\(task: &Task\) does not match its declaration tp_task\(task: &Task\) in the defining module: argument types \(&other_declaration::Task/8/8\) vs \(&kernel::task::Task/8/8\)"
check_fails "tracepoint: a module of another ABI version is refused" load rtrace_tp_badabi
check "tracepoint: ... with a message naming it" dmesg_has "module rtrace_tp_badabi was built against rtrace tracepoint ABI 3, this core has ABI 2"
check "tracepoint: nothing left behind by refused modules" grep -qx "$LINE probes=0 enabled=0" $TP

# Concurrency: four threads fire continuously while the writer churns probes; probe 7 stays
# registered throughout and must see every event, and no probe may ever get another's data.
ctl register 7 0
ctl reset
ctl storm start
check "tracepoint: 10000 random registrations while sites fire on every CPU" ctl churn 10000
ctl storm stop
check_eq "tracepoint: the probe registered throughout saw every event" "$(stat fired)" "$(hits 7)"
check "tracepoint: ... and events were fired ($(stat fired))" test "$(stat fired)" -gt 10000
check_eq "tracepoint: no probe was ever called with another probe's data" "0" "$(stat mismatches)"
ctl unregister 7
ctl reset
ctl storm start
check "tracepoint: 1->0->1 churn while sites fire" ctl churn 3000
ctl storm stop
check_eq "tracepoint: ... never pairs a function with a stale data pointer" "0" "$(stat mismatches)"
check "tracepoint: churn leaves no probe behind" grep -qx "$LINE probes=0 enabled=0" $TP

# Allocation failure: the n-th allocation of the core's register call fails, for n = 1 to 24
# (tp_test's `nomem`, the kernel's fail_nth; on the debug kernel every other one is kmemleak's
# own, which falls back to its pool, and the registration then passes).
FS=$DEBUGFS/failslab
echo N >$FS/ignore-gfp-wait
ctl register 0 10
before=$(cat $TP)
failures=0
successes=0
n=1
while [ $n -le 24 ]; do
	out=$(sh -c "echo 'nomem $n register 3 10' >$C" 2>&1)
	if [ -z "$out" ]; then
		successes=$((successes + 1))
		ctl unregister 3
	elif echo "$out" | grep -q "Cannot allocate memory"; then
		failures=$((failures + 1))
		check_eq "tracepoint: -ENOMEM at allocation $n leaves the registry and the static call unchanged" "$before probe_even" "$(cat $TP) $(stat call)"
	else
		fail "tracepoint: failed registration with allocation $n failing: $out"
	fi
	n=$((n + 1))
done
check "tracepoint: allocations of a registration failed in turn ($failures) or passed ($successes)" test $failures -ge 3 -a $successes -ge 1
ctl register 3 10
check_eq "tracepoint: ... a registration then connects the probe, 1->2" "probe_even,probe_odd iterator" "$(stat array) $(stat call)"
check "tracepoint: unregister succeeds when memory is short" ctl nomem 1 unregister 3
ctl reset
ctl fire 1
check_eq "tracepoint: ... and the probe is no longer called" "0" "$(stat order)"
check_eq "tracepoint: ... the array keeps a stub in its place, and the static call the iterator" "probe_even,stub iterator" "$(stat array) $(stat call)"
ctl register 3 10
check_eq "tracepoint: a registration then replaces the array with the stub" "probe_even,probe_odd iterator" "$(stat array) $(stat call)"
ctl unregister 3
check_eq "tracepoint: 2->1: the static call goes to the remaining probe" "probe_even probe_even" "$(stat array) $(stat call)"
ctl unregister 0
check_eq "tracepoint: registry back to the start" "$LINE probes=0 enabled=0
$LINE2" "$(cat $TP)"
check_eq "tracepoint: ... and the static call" iterator "$(stat call)"

# A probe module that goes without unregistering: the core disconnects it before its memory goes.
ctl register 1 10
ctl forget
check "tracepoint: rmmod of a module that forgot its probe" unload rtrace_tp_test
check "tracepoint: ... the core disconnected it, saying so" dmesg_has "module rtrace_tp_test went without unregistering its probe from tracepoint tp_test: disconnected"
check_eq "tracepoint: registry empty" "" "$(cat $TP)"
check "tracepoint: rmmod rtrace_tracepoint" unload rtrace_tracepoint
