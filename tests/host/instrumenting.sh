#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the commands of Documentation/instrumenting.rst ("Build it and run it": the code block after
# the comment that names this script) exactly as written, as a new user would: in a fresh
# directory outside rtrace's tree, with RTRACE set to this tree and KDIR to a kernel build. The
# commands build rtrace and the external sample (samples/external/) and run the sample's test
# script in the VM, whose TAP lines pass through. Then checks the static-key sites of the modules
# built (tests/host/jump_sites.py), and that the source tree has no file it did not have before,
# ignored ones included.
#
# Usage: tests/host/instrumenting.sh KDIR   (TAP output)
set -uo pipefail
kdir=${1:?usage: instrumenting.sh KDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
guide=$top/Documentation/instrumenting.rst
failed=0
ok() { echo "ok - guide: $*"; }
not_ok() { echo "not ok - guide: $*"; failed=1; }

# The block: the indented lines of the code-block that follows the marker comment.
commands=$(awk '
	/^\.\. The block below is run as it stands by make test/ { marked = 1; next }
	marked && /^\.\. code-block::/ { inblock = 1; next }
	inblock && /^    / { sub(/^    /, ""); print; seen = 1; next }
	inblock && seen && /^[^ ]/ { exit }
' "$guide")
if [ -z "$commands" ]; then
	not_ok "no marked command block in $guide"
	exit 1
fi

status() { git -C "$top" status --porcelain --ignored --untracked-files=all -- . ':!build' ':!target'; }
before=$(status)
work=$(mktemp -d /tmp/rtrace-guide.XXXXXX)
log=$top/build/instrumenting.log
mkdir -p "$top/build"
echo "# in $work: RTRACE=$top KDIR=$kdir"
printf '%s\n' "$commands" | sed 's/^/#   $ /'
# A shell of its own, as a user's, with only the two variables the guide sets.
(cd "$work" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS VM_OUT="$top/build/debug/vm-guide" \
	RTRACE="$top" KDIR="$kdir" \
	bash -euo pipefail -c "$commands") >"$log" 2>&1
rc=$?
# The VM's TAP lines, for the totals; the rest stays in the log.
grep -E '^(not )?ok - ' "$log"
if [ $rc = 0 ]; then
	ok "the commands of instrumenting.rst build the sample and run its test in the VM"
else
	tail -n 30 "$log" | sed 's/^/# /'
	not_ok "the commands of instrumenting.rst failed (exit $rc; log: $log)"
fi
if ls "$work"/sensor/sensor.ko "$work"/sensor/sensor_markers.ko >/dev/null 2>&1; then
	# Built the guide's way, their sites are 5-byte NOPs keyed on their tracepoints and markers.
	python3 "$top/tests/host/jump_sites.py" "$work/sensor/sensor.ko:2" "$work/sensor/sensor_markers.ko" ||
		failed=1
else
	not_ok "no sensor.ko and sensor_markers.ko in the user's directory"
fi
after=$(status)
if [ "$before" = "$after" ]; then
	ok "the builds left no file in rtrace's source tree (outside build/ and target/)"
else
	not_ok "the builds left files in rtrace's source tree: $(diff <(echo "$before") <(echo "$after") | grep '^>' | head -n 5 | tr '\n' ' ')"
fi
rm -rf "$work"
exit $failed
