# SPDX-License-Identifier: GPL-2.0
# The sample subsystem's probe module: its Rust tracepoints turned into sample:* markers.
SC=$DEBUGFS/rtrace_sink_test/control
R=$DEBUGFS/rtrace_sink_test/records

check "sample_markers: cores, sink, probe module load" sh -c "insmod $MODULES/rtrace_tracepoint.ko && insmod $MODULES/rtrace_marker.ko && insmod $MODULES/rtrace_sink_test.ko && insmod $MODULES/rtrace_sample_markers.ko"
echo "connect sample sched_switch" >$SC
echo "connect sample sched_wakeup" >$SC
check "sample_markers: the sample subsystem loads" load rtrace_sample
ring0=
for p in /proc/[0-9]*; do
	[ "$(cat $p/comm 2>/dev/null)" = rtrace_ring/0 ] && ring0=${p#/proc/}
done
check "sample_markers: ring thread 0 is in /proc (pid $ring0)" test -n "$ring0"
sleep 1
check "sample_markers: rmmod the sample" unload rtrace_sample
switch=$(marker_id sample sched_switch)
wakeup=$(marker_id sample sched_wakeup)
first=$(grep "^$switch 52 " $R | head -n 1 | cut -d' ' -f3)
ring() { comm16 "rtrace_ring/$1"; }
check "sample_markers: sample:sched_switch records from ring thread to ring thread" \
	sh -c "echo $first | grep -Eq '^($(ring 0)|$(ring 1)|$(ring 2)).{24}($(ring 0)|$(ring 1)|$(ring 2))'"
check "sample_markers: ... ring thread 0 with its pid from /proc" grep -q "^$switch 52 $(ring 0)$(le32 $ring0)" $R
check "sample_markers: sample:sched_wakeup records of ring threads" grep -Eq "^$wakeup 28 ($(ring 0)|$(ring 1)|$(ring 2))" $R
check "sample_markers: rmmod everything" sh -c "rmmod rtrace_sample_markers && rmmod rtrace_sink_test && rmmod rtrace_marker && rmmod rtrace_tracepoint"
