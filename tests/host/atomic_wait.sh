#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A sleeping function of rtrace's safe API called in atomic context is reported by the debug
# kernel (TAP output). Boots the debug VM with a script that loads rtrace_atomic_wait
# (tests/kmod/atomic_wait.rs), whose kthread calls `Current::wait` inside an RCU-sched read-side
# section with a condition that already holds: it does not sleep, but `wait` calls might_sleep()
# first, so CONFIG_DEBUG_ATOMIC_SLEEP must report it. The in-VM suite fails on any such report,
# so this runs in a VM of its own, where the report is expected and checked: vm-run exits 126
# (a kernel splat, the script itself passing) and the console holds the report, naming the
# thread, the shim's might_sleep() and the thread's body.
#
# Usage: tests/host/atomic_wait.sh
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/debug/vm-atomic-wait
script=$(mktemp /tmp/rtrace-atomic-wait.XXXXXX)
trap 'rm -f "$script"' EXIT
cat >"$script" <<'VM'
. /rtrace/tests/lib.sh
load rtrace_atomic_wait || exit 1
# The kthread runs after the module's init returns: its line says it made the call.
n=0
while ! dmesg | grep -q 'waited in atomic context' && [ $n -lt 600 ]; do
	sleep 0.1
	n=$((n + 1))
done
dmesg | grep -q 'waited in atomic context' || exit 1
unload rtrace_atomic_wait || exit 1
VM
VARIANT=debug VM_OUT=$out "$top/scripts/vm-run" "$script" >"$out.log" 2>&1
rc=$?
failed=0
check() {
	if "${@:2}"; then echo "ok - atomic wait: $1"; else echo "not ok - atomic wait: $1 (see $out.log, $out/console.log)"; failed=1; fi
}
check "the VM run fails on the kernel's report only (vm-run exit 126, got $rc)" [ "$rc" = 126 ]
console=$out/console.log
check "BUG: sleeping function called from invalid context, in rust/shim.c's might_sleep()" \
	grep -Eq 'BUG: sleeping function called from invalid context at .*rust/shim\.c' "$console"
check "... by the kthread, in atomic context" \
	grep -Eq 'in_atomic\(\): 1, .* name: rtrace_atomic' "$console"
# might_sleep() is the shim's rtrace_might_sleep() (the line above names rust/shim.c), which
# `wait`, inlined into the thread's body, calls last (a tail call: not in the trace).
check "... from the thread's body" \
	grep -Eq '7kthread10ThreadMain4main\+.*\[rtrace_atomic_wait\]' "$console"
check "... and only that report" \
	[ "$(grep -Ec 'WARNING:|BUG:|Oops|KASAN:|general protection fault|Kernel panic|possible .*deadlock|suspicious RCU usage|unreferenced object|scheduling while atomic' "$console")" = 1 ]
exit $failed
