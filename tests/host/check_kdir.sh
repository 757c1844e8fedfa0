#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/check-kdir (TAP output): a usable KDIR passes; each kind of unusable one is refused
# with exactly one line saying why.
#
# Usage: tests/host/check_kdir.sh KDIR
set -uo pipefail
kdir=${1:?usage: check_kdir.sh KDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
rustc=${RUSTC:-/usr/bin/rustc}
work=$top/build/check-kdir
rm -rf "$work"
mkdir -p "$work"
failed=0

# expect NAME DIR RUSTC PATTERN: check-kdir refuses DIR with one line matching PATTERN.
expect() {
	out=$("$top/scripts/check-kdir" "$2" "$3" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && printf '%s' "$out" | grep -q "$4"; then
		echo "ok - check-kdir: $1"
	else
		echo "not ok - check-kdir: $1 (exit $rc: $out)"
		failed=1
	fi
}

# A fake kernel tree made from the real one's small files, then broken one way at a time.
fake() {
	rm -rf "$work/$1"
	mkdir -p "$work/$1/include/config" "$work/$1/rust"
	cp "$kdir/Makefile" "$kdir/.config" "$work/$1/"
	cp "$kdir/include/config/kernel.release" "$work/$1/include/config/"
	touch "$work/$1/rust/libkernel.rmeta"
	echo "$work/$1"
}

if out=$("$top/scripts/check-kdir" "$kdir" "$rustc" 2>&1); then
	echo "ok - check-kdir: the bundled kernel is accepted"
else
	echo "not ok - check-kdir: the bundled kernel is refused: $out"
	failed=1
fi
expect "a directory that is no kernel tree" "$work" "$rustc" "not a kernel build directory"
d=$(fake norust)
sed -i 's/^CONFIG_RUST=y/# CONFIG_RUST is not set/' "$d/.config"
expect "a kernel without CONFIG_RUST" "$d" "$rustc" "without CONFIG_RUST=y"
d=$(fake nometa)
rm "$d/rust/libkernel.rmeta"
expect "a kernel without Rust build metadata" "$d" "$rustc" "no Rust build metadata"
d=$(fake oldversion)
echo 6.1.0 >"$d/include/config/kernel.release"
expect "a kernel that is not 6.12" "$d" "$rustc" "is not 6.12"
d=$(fake otherrustc)
printf '#!/bin/sh\necho "rustc 1.80.0 (fake)"\n' >"$work/rustc-1.80"
chmod +x "$work/rustc-1.80"
expect "a rustc other than the kernel's" "$d" "$work/rustc-1.80" "set RUSTC to the kernel's compiler"
exit $failed
