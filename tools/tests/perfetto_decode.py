#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Decodes a Perfetto trace with Perfetto's own schema (the perfetto package's
perfetto_trace_pb2, with protobuf) and prints what the tool's tests check, one JSON object a
line: every ftrace event with its CPU, time, pid, name, the field of Perfetto's FtraceEvent that
carries it (typed: "sched_switch", ..., or "generic") and its fields; bundles marked lost; the
ftrace statistics; the process tree; the clock snapshot; the system and the trace UUID.

Usage: perfetto_decode.py TRACE
"""
import json
import sys

from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb

# Perfetto's typed ftrace events and the rtrace markers they carry.
TYPED = {
    "sched_switch": "sched:sched_switch",
    "sched_waking": "sched:sched_waking",
    "sched_wakeup": "sched:sched_wakeup",
    "sched_wakeup_new": "sched:sched_wakeup_new",
    "sched_migrate_task": "sched:sched_migrate_task",
    "sched_process_fork": "sched:sched_process_fork",
    "sched_process_exit": "sched:sched_process_exit",
    "irq_handler_entry": "irq:irq_handler_entry",
    "irq_handler_exit": "irq:irq_handler_exit",
    "softirq_entry": "irq:softirq_entry",
    "softirq_exit": "irq:softirq_exit",
}


def out(**kw):
    print(json.dumps(kw))


def main(path):
    trace = pb.Trace()
    with open(path, "rb") as f:
        trace.ParseFromString(f.read())
    for p in trace.packet:
        if p.trusted_packet_sequence_id != 1:
            raise SystemExit("packet without the sequence id")
        if p.HasField("trace_uuid"):
            out(kind="uuid", msb=p.trace_uuid.msb, lsb=p.trace_uuid.lsb)
        if p.HasField("system_info"):
            u = p.system_info.utsname
            out(kind="system", sysname=u.sysname, release=u.release,
                num_cpus=p.system_info.num_cpus)
        if p.HasField("clock_snapshot"):
            for c in p.clock_snapshot.clocks:
                out(kind="clock", id=c.clock_id, ts=c.timestamp)
        if p.HasField("ftrace_stats"):
            phase = pb.FtraceStats.Phase.Name(p.ftrace_stats.phase)
            for c in p.ftrace_stats.cpu_stats:
                out(kind="stats", phase=phase, cpu=c.cpu, entries=c.entries, overrun=c.overrun)
        if p.HasField("process_tree"):
            for t in p.process_tree.threads:
                out(kind="thread", tid=t.tid, tgid=t.tgid, name=t.name)
            for q in p.process_tree.processes:
                out(kind="process", pid=q.pid, cmdline=list(q.cmdline))
        if p.HasField("ftrace_events"):
            b = p.ftrace_events
            if b.lost_events:
                out(kind="lost_bundle", cpu=b.cpu)
            for e in b.event:
                which = e.WhichOneof("event")
                msg = getattr(e, which)
                if which == "generic":
                    name = msg.event_name
                    fields = {}
                    for f in msg.field:
                        fields[f.name] = getattr(f, f.WhichOneof("value"))
                else:
                    name = TYPED[which]
                    fields = {fd.name: v for fd, v in msg.ListFields()}
                out(kind="event", cpu=b.cpu, ts=e.timestamp, pid=e.pid, name=name,
                    typed=which, fields=fields)


if __name__ == "__main__":
    main(sys.argv[1])
