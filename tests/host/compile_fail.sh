#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Compile-time checks (TAP output): each module of tests/compile-fail/ must fail to build against
# the bundled debug kernel. By default a case registers a probe whose signature does not match its
# tracepoint's declaration (samples/sched_trace.rs) and must fail with a type error; a case with
# `//! expect: REGEX` lines (or `// compile-fail: REGEX` lines) must fail with build-log lines
# matching each of them (extended regular expressions).
#
# Usage: tests/host/compile_fail.sh KDIR
set -uo pipefail
kdir=${1:?usage: compile_fail.sh KDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
rustc=${RUSTC:-/usr/bin/rustc}
work=$top/build/compile-fail
failed=0
for src in "$top"/tests/compile-fail/*.rs; do
	name=$(basename "$src" .rs)
	dir=$work/$name
	rm -rf "$dir"
	# The case in a tree of its own, at the same relative place to rust/ and samples/.
	mkdir -p "$dir/tests/compile-fail" "$dir/samples"
	cp -r "$top/rust" "$dir/"
	cp "$top/samples/sched_trace.rs" "$dir/samples/"
	cp "$src" "$dir/tests/compile-fail/"
	echo "obj-m += tests/compile-fail/" >"$dir/Kbuild"
	echo "obj-m += $name.o" >"$dir/tests/compile-fail/Kbuild"
	if make -C "$kdir" M="$dir" LLVM=1 RUSTC="$rustc" RUSTDOC="$(dirname "$rustc")/rustdoc" \
		modules >"$dir/build.log" 2>&1; then
		echo "not ok - compile-fail: $name built, but must not"
		failed=1
	elif grep -Eq '^(//! expect|// compile-fail): ' "$src"; then
		# A case says which errors must refuse it, one `//! expect: REGEX` line each.
		missing=$(sed -En 's#^(//! expect|// compile-fail): ##p' "$src" | while read -r re; do
			grep -Eq -- "$re" "$dir/build.log" || echo "$re"
		done)
		if [ -z "$missing" ]; then
			echo "ok - compile-fail: $name is refused by the compiler with the errors it expects"
		else
			echo "not ok - compile-fail: $name failed without '$missing' (see $dir/build.log)"
			failed=1
		fi
	elif grep -q 'error\[E0308\]: mismatched types' "$dir/build.log" &&
		grep -q 'expected fn pointer' "$dir/build.log"; then
		echo "ok - compile-fail: $name is refused by the compiler (mismatched probe type)"
	else
		echo "not ok - compile-fail: $name failed for another reason (see $dir/build.log)"
		failed=1
	fi
done
exit $failed
