#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in rtrace's test VM (make -C $RTRACE vm SCRIPT=test.sh MODULES=$PWD): loads rtrace, the
# sensor's probe module and the ring tracer, connects the ring to the sensor:* markers with the
# rtrace tool, loads the sensor driver, records what it traced with the tool, and checks every
# recorded value. Prints TAP lines ("ok - ...", "not ok - ..."); exits non-zero when a check
# failed.
M=/rtrace/modules
failed=0
check() {
	desc=$1
	shift
	if "$@"; then echo "ok - sensor: $desc"; else echo "not ok - sensor: $desc"; failed=1; fi
}
# quiet COMMAND...: runs COMMAND, showing its output (as TAP comments) only when it fails.
quiet() {
	out=$("$@" 2>&1) || { printf '%s\n' "$out" | sed 's/^/# /'; return 1; }
}

check "rtrace, the ring tracer and the probe module load" sh -c \
	"insmod $M/rtrace_tracepoint.ko && insmod $M/rtrace_marker.ko && insmod $M/rtrace_ring.ko && insmod $M/sensor_markers.ko"
rtrace list markers | sed 's/^/# /'
check "the markers are listed with their fields" sh -c \
	"rtrace list markers | grep -q '^sensor:reading id=[0-9]* channel:u32 millicelsius:s32$' &&
	 rtrace list markers | grep -q '^sensor:alarm id=[0-9]* channel:u32 millicelsius:s32 excess:s32$'"

check "rtrace enable connects the ring tracer to sensor:*" quiet rtrace enable 'sensor:*'
check "rtrace disable disconnects it" quiet rtrace disable 'sensor:*'
# rtrace record connects the ring to sensor:* (after emptying its buffers), runs the command,
# the driver's load, which fires its tracepoints, and stops when it exits.
check "rtrace record -- insmod sensor.ko: the driver loads and fires its tracepoints" sh -c \
	"rtrace record -e 'sensor:*' -o /tmp/sensor -- insmod $M/sensor.ko >/tmp/record.out 2>&1"
check "... 10 events, 0 lost" grep -q '^recorded 10 events, 0 lost' /tmp/record.out

rtrace report /tmp/sensor >/tmp/report.txt
sed 's/^/# /' /tmp/report.txt
sed -n 's/^.*: \(sensor:.*\)$/\1/p' /tmp/report.txt >/tmp/sensor.txt
expected=/tmp/sensor.expected
i=0
while [ $i -lt 8 ]; do
	v=$((20000 + 1500 * i))
	echo "sensor:reading: channel=$((i % 2)) millicelsius=$v"
	[ $v -gt 28000 ] && echo "sensor:alarm: channel=$((i % 2)) millicelsius=$v excess=$((v - 28000))"
	i=$((i + 1))
done >$expected
check "the report holds every reading and alarm, in order, with their values" cmp -s $expected /tmp/sensor.txt
[ $failed = 0 ] || {
	echo "# rtrace record said:"; sed 's/^/#   /' /tmp/record.out
	echo "# expected:"; sed 's/^/#   /' $expected
	echo "# recorded:"; sed 's/^/#   /' /tmp/sensor.txt
}

check "the modules unload" sh -c \
	"rmmod sensor && rmmod sensor_markers && rmmod rtrace_ring && rmmod rtrace_marker && rmmod rtrace_tracepoint"
check "the probes saw the 8 readings" sh -c "dmesg | grep -q 'sensor_markers: saw 8 readings'"
exit $failed
