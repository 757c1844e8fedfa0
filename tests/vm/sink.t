# SPDX-License-Identifier: GPL-2.0
# Markers to sinks: emission, the record format byte for byte, connections armed before load.
MC=$DEBUGFS/rtrace_marker_test/control
SC=$DEBUGFS/rtrace_sink_test/control
R=$DEBUGFS/rtrace_sink_test/records
records() { grep -v '^dropped=' $R; }

dmesg_mark
check "sink: cores and test sink load" sh -c "insmod $MODULES/rtrace_tracepoint.ko && insmod $MODULES/rtrace_marker.ko && insmod $MODULES/rtrace_sink_test.ko"
check "sink: connect to a marker not registered yet (armed)" sh -c "echo 'connect test sched_switch' >$SC"
check "sink: the same connection again is -EEXIST" sh -c "sh -c \"echo 'connect test sched_switch' >$SC\" 2>&1 | grep -q 'File exists'"
check "sink: a malformed name is -EINVAL" sh -c "sh -c \"echo 'connect te-st x' >$SC\" 2>&1 | grep -q 'Invalid argument'"
check "sink: disconnecting what is not connected is -ENOENT" sh -c "sh -c \"echo 'disconnect test nothing' >$SC\" 2>&1 | grep -q 'No such file'"
check "sink: the probe module with the markers loads" load rtrace_marker_test
echo "emit switch" >$MC
SW=727472616365000000000000000000002a000000780000000100000000000000737761707065722f30000000000000000000000078000000
MAX=ffffffffffffffffffffffffffffff7fff7fffffff7fffffffffffffff7f013031323334353637383961626364650020003700080057007878787878787878787878787878787878787878787878787878787878787878abababababababab
MIN=00000000000000000000000000000080008000000080000000000000008000000000000000000000000000000000000000370000003700
check_eq "sink: the armed connection delivers test:sched_switch, byte for byte" "1 56 $SW" "$(records)"
echo "emit max" >$MC
check_eq "sink: test:all_types is not connected: nothing delivered" "1 56 $SW" "$(records)"
check "sink: connect to a registered marker" sh -c "echo 'connect test all_types' >$SC"
echo clear >$SC
echo "emit max" >$MC
echo "emit min" >$MC
check_eq "sink: every type at its maximum, arrays and strings truncated, at its minimum, empty" \
	"$(printf '2 95 %s\n2 55 %s' $MAX $MIN)" "$(records)"
check "sink: disconnect" sh -c "echo 'disconnect test all_types' >$SC"
echo clear >$SC
echo "emit max" >$MC
check_eq "sink: a disconnected marker delivers nothing" "" "$(records)"
check "sink: rmmod the markers' module while connected" unload rtrace_marker_test
check "sink: reload it: the connection still holds" load rtrace_marker_test
echo "emit switch" >$MC
check "sink: ... and delivers again (new id 4)" sh -c "grep -qx '4 56 $SW' $R"
check "sink: rmmod the sink while connected" unload rtrace_sink_test
echo "emit switch" >$MC
check "sink: emitting after the sink went is harmless" true
check "sink: rmmod everything" sh -c "rmmod rtrace_marker_test && rmmod rtrace_marker && rmmod rtrace_tracepoint"
