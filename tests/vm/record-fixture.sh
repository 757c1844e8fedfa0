#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Inside the VM, for scripts/make-test-recordings (not a *.t file: the test suite does not run
# it): records the real kernel's sched tracepoints (through the bridge) and rtrace_marker_test's
# test:* markers with `rtrace record` while a small workload runs and the test module emits its
# extreme records (`emit max`, `emit min`) and a burst of test:sched_switch, then prints the
# recording as a gzipped tar in base64 between BEGIN/END lines for the host to take.
#
# Usage: record-fixture.sh [DURATION]   (seconds, default 1)
M=/rtrace/modules
duration=${1:-1}
control=/sys/kernel/debug/rtrace_marker_test/control

for m in rtrace_tracepoint rtrace_marker rtrace_ring rtrace_bridge rtrace_marker_test; do
	insmod $M/$m.ko || { echo "record-fixture: insmod $m failed" >&2; exit 1; }
done

rtrace record -o /tmp/rec --duration "$duration" -e 'sched:*' -e 'test:*' &
rec=$!
# The emits count only once the ring is connected to test:*.
i=0
until rtrace list connections 2>/dev/null | grep -q 'test:all_types'; do
	[ $i -lt 100 ] || { echo "record-fixture: the ring never connected to test:*" >&2; exit 1; }
	sleep 0.05
	i=$((i + 1))
done
echo 'emit max' >$control || exit 1
echo 'emit min' >$control || exit 1
echo 'emit switch 20' >$control || exit 1
ls /proc >/dev/null
sh -c 'echo $$ >/dev/null'
wait $rec || { echo "record-fixture: rtrace record failed" >&2; exit 1; }
rtrace report /tmp/rec | sed -n 's/^.*[0-9]: \([a-z_]*:[a-z_]*\):.*$/\1/p' | sort | uniq -c

echo "-----BEGIN RTRACE RECORDING-----"
tar -C /tmp -cf - rec | gzip | base64
echo "-----END RTRACE RECORDING-----"
for m in rtrace_marker_test rtrace_bridge rtrace_ring rtrace_marker rtrace_tracepoint; do
	grep -q "^$m " /proc/modules && rmmod $m
done
true
