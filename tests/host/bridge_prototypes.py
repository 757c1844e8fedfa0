#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks that each bridge event's Rust declaration and its C line agree (TAP output).

A bridge event is declared in Rust (probes/events/SUBSYSTEM.rs, `bridge_events!`: the tracepoint
with its TP_PROTO in Rust types) and its probe's prototype is checked by the C compiler against
the kernel's header through a line of the subsystem's C shim
(`RTRACE_BRIDGE_EVENT(event, C prototype)`, probes/bridge_event.h). The C compiler and the linker
see that the C line is the kernel's prototype and that both sides name the same event; what
neither sees is that each Rust argument type is the C type of the same position. This check
does: every event of the Rust files has a C line with the same number of arguments and, in
order, the C type of each Rust type (by the table below), and every C line has its Rust event.

Usage: bridge_prototypes.py [PROBES_DIR] (default: the probes/ beside this script's tests/)
"""
import os
import re
import sys

# Rust argument types and the C types they stand for.
SCALARS = {
    "bool": "bool",
    "c_char": "char",
    "c_int": "int",
    "c_uint": "unsigned int",
    "c_long": "long",
    "c_ulong": "unsigned long",
    "i32": "int",
    "u32": "unsigned int",
    "i64": "long",
    "u64": "unsigned long",
    "pid_t": "pid_t",
    "c_void": "void",
}


def c_of_rust(ty):
    """The C type a Rust argument type stands for, or None if the table has no answer."""
    ty = ty.strip()
    m = re.fullmatch(r"\*\s*(mut|const)\s+(.+)", ty)
    if m:
        inner = c_of_rust(m.group(2))
        if inner is None:
            return None
        const = "const " if m.group(1) == "const" else ""
        return f"{const}{inner} *"
    name = ty.split("::")[-1]
    if name in SCALARS:
        return SCALARS[name]
    # A kernel structure from the bindings (`task_struct`, `bindings::pt_regs`, ...).
    if re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        return f"struct {name}"
    return None


def c_param_type(param):
    """The type of one C parameter declaration, its name removed, spacing normalized."""
    # The last word is the parameter's name (the shims' lines always name them).
    words = param.replace("*", " * ").split()[:-1]
    return " ".join(words).replace("* *", "**")


def rust_events(path):
    """(event, [rust types]) of every `subsystem:event(args)` of the file's bridge_events!."""
    text = open(path).read()
    start = text.find("bridge_events! {")
    if start < 0:
        return []
    body = text[start:]
    events = []
    for m in re.finditer(r"^\s*(\w+):(\w+)\(([^)]*)\)\s*\{", body, re.M):
        args = [a.strip() for a in m.group(3).split(",") if a.strip()]
        types = [a.split(":", 1)[1].strip() for a in args]
        events.append((m.group(2), types))
    return events


def c_events(path):
    """(event, [C types]) of every RTRACE_BRIDGE_EVENT line of a shim; ABSENT lines as None."""
    text = open(path).read()
    events = []
    for m in re.finditer(r"^RTRACE_BRIDGE_EVENT\((\w+),([^;]*)\);", text, re.M | re.S):
        params = m.group(2).replace("\n", " ").split(",")
        events.append((m.group(1), [c_param_type(p) for p in params]))
    for m in re.finditer(r"^RTRACE_BRIDGE_EVENT_ABSENT\((\w+)\);", text, re.M):
        events.append((m.group(1), None))
    return events


def main():
    probes = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "probes")
    events_dir = os.path.join(probes, "events")
    failed = 0

    def check(ok, what):
        nonlocal failed
        print(("ok - " if ok else "not ok - ") + "bridge prototypes: " + what)
        failed += not ok

    rust = {}
    c = {}
    for name in sorted(os.listdir(events_dir)):
        path = os.path.join(events_dir, name)
        if name.endswith("_shim.c"):
            for event, types in c_events(path):
                c.setdefault(event, []).append(types)
        elif name.endswith(".rs"):
            for event, types in rust_events(path):
                rust[event] = (name, types)
    check(len(rust) > 0, f"{len(rust)} events declared in {events_dir}")
    for event, (file, types) in sorted(rust.items()):
        lines = [t for t in c.get(event, []) if t is not None]
        if not lines:
            check(False, f"{event} ({file}) has no RTRACE_BRIDGE_EVENT line")
            continue
        expected = [c_of_rust(t) for t in types]
        for got in lines:
            check(got == expected,
                  f"{event}: Rust ({', '.join(types)}) is C ({', '.join(got)})"
                  + ("" if got == expected else f", expected ({', '.join(map(str, expected))})"))
    for event in sorted(set(c) - set(rust)):
        check(False, f"{event}: a C line without a Rust event")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
