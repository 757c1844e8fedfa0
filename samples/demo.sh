#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run`, inside the VM: the tracepoint layer at work on the sample subsystem.
M=/rtrace/modules
TP=/sys/kernel/debug/rtrace/tracepoints
show() { echo; echo "# $*"; }

show "insmod rtrace_tracepoint.ko rtrace_sample_probe.ko   (the probe connects before its tracepoints exist)"
insmod $M/rtrace_tracepoint.ko && insmod $M/rtrace_sample_probe.ko || exit 1
cat $TP
show "insmod rtrace_sample.ko   (kthreads hand a token around, firing trace_sched_switch/trace_sched_wakeup)"
insmod $M/rtrace_sample.ko || exit 1
cat $TP
sleep 2
show "rmmod rtrace_sample   (its tracepoints go; the probe is pending again)"
rmmod rtrace_sample
cat $TP
show "rmmod rtrace_sample_probe   (counts seen by the probe, against the sample's own count)"
rmmod rtrace_sample_probe
dmesg | grep -E 'rtrace_sample(_probe)?: (unloaded|sched_switch)'
rmmod rtrace_tracepoint
