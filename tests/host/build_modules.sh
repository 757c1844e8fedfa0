#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/build-modules (TAP output), on small trees of its own beside a copy of the scripts:
# it builds the directories that Kbuild lists (not a fixed list), writes nothing outside OUT, and
# when the build fails without a compiler message (a module without a source), it shows the end
# of the log, where make says what is wrong. Then rtrace.mk's refusals in a module directory.
#
# Usage: tests/host/build_modules.sh KDIR
set -uo pipefail
kdir=${1:?usage: build_modules.sh KDIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$top/build/build-modules-test
rm -rf "$work"
failed=0
ok() { echo "ok - build-modules: $*"; }
not_ok() { echo "not ok - build-modules: $*"; failed=1; }

# tree NAME: a tree with rtrace's build scripts, an empty rust/ and a Kbuild read from stdin.
tree() {
	t=$work/$1
	mkdir -p "$t/scripts" "$t/rust"
	cp "$top"/scripts/{build-modules,build-kernel,check-kdir,out-dir} "$t/scripts/"
	cat >"$t/Kbuild"
}

# A module directory that rtrace's scripts never heard of: a C module, built and listed.
tree new <<<'obj-m += hello/'
mkdir -p "$work/new/hello"
echo 'obj-m += hello.o' >"$work/new/hello/Kbuild"
printf '%s\n' '#include <linux/module.h>' 'MODULE_LICENSE("GPL");' >"$work/new/hello/hello.c"
files_before=$(cd "$work/new" && find . | sort)
if out=$("$work/new/scripts/build-modules" -o "$work/out-new" "$kdir" 2>"$work/new.err"); then
	if [ "$out" = "$work/out-new/modules" ] && [ -f "$out/hello.ko" ]; then
		ok "builds a directory that only Kbuild names (hello/)"
	else
		not_ok "built, but printed '$out' without hello.ko there"
	fi
else
	not_ok "a directory that only Kbuild names did not build: $(tail -n 3 "$work/new.err" | tr '\n' ' ')"
fi
files_after=$(cd "$work/new" && find . | sort)
if [ "$files_before" = "$files_after" ]; then
	ok "writes nothing in the source tree"
else
	not_ok "left files in the source tree: $(comm -13 <(echo "$files_before") <(echo "$files_after") | head -n 3 | tr '\n' ' ')"
fi

# A module whose source is missing: make's own message, shown from the log's end.
tree missing <<<'obj-m += gone/'
mkdir -p "$work/missing/gone"
echo 'obj-m += gone.o' >"$work/missing/gone/Kbuild"
if "$work/missing/scripts/build-modules" -o "$work/out-missing" "$kdir" >/dev/null 2>"$work/missing.err"; then
	not_ok "a module without a source built"
elif grep -q "No rule to make target.*gone.o" "$work/missing.err" &&
	grep -q 'build-modules: module build failed (full log: ' "$work/missing.err"; then
	ok "a failed build without a compiler message shows make's message from the log"
else
	not_ok "a module without a source: the error shown is $(tr '\n' ' ' <"$work/missing.err")"
fi

# A directory listed in Kbuild without a Kbuild of its own: one line naming it.
tree nokbuild <<<'obj-m += empty/'
mkdir -p "$work/nokbuild/empty"
if "$work/nokbuild/scripts/build-modules" -o "$work/out-nokbuild" "$kdir" >/dev/null 2>"$work/nokbuild.err"; then
	not_ok "a listed directory without Kbuild built"
elif [ "$(cat "$work/nokbuild.err")" = "build-modules: Kbuild lists empty/, which has no Kbuild file" ]; then
	ok "a listed directory without a Kbuild file is named in one line"
else
	not_ok "a listed directory without Kbuild: $(tr '\n' ' ' <"$work/nokbuild.err")"
fi

# OUT inside the source tree (not under build/) is refused.
if "$work/new/scripts/build-modules" -o "$work/new/hello/out" "$kdir" >/dev/null 2>"$work/inside.err"; then
	not_ok "an OUT inside the source tree was accepted"
elif grep -q 'is inside the source tree' "$work/inside.err"; then
	ok "refuses an OUT inside the source tree"
else
	not_ok "an OUT inside the source tree: $(tr '\n' ' ' <"$work/inside.err")"
fi
# rtrace.mk in a module directory: its refusals, each one line, before anything builds.
user=$work/user
mkdir -p "$user"
printf '%s\n' 'obj-m += widget.o' 'include $(RTRACE)/rtrace.mk' >"$user/Kbuild"
printf '%s\n' "RTRACE ?= $top" 'include $(RTRACE)/rtrace.mk' >"$user/Makefile"
make -C "$user" KDIR="$kdir" RTRACE_SYMVERS=/dev/null >"$work/noy.out" 2>&1
if grep -q 'rtrace.mk: widget.o has no widget-y list: write "widget-y := <crate root>.o" in Kbuild' "$work/noy.out"; then
	ok "rtrace.mk: a module without a -y list is refused, saying what to write"
else
	not_ok "rtrace.mk: a module without a -y list: $(tail -n 3 "$work/noy.out" | tr '\n' ' ')"
fi
make -C "$user" KDIR="$work/nowhere" >"$work/nokdir.out" 2>&1
if grep -q "^rtrace: KDIR=$work/nowhere: not a kernel build directory (no Makefile)$" "$work/nokdir.out" &&
	! grep -q 'build-modules:' "$work/nokdir.out"; then
	ok "rtrace.mk: a KDIR that is no kernel build is refused in one line, before rtrace builds"
else
	not_ok "rtrace.mk: a wrong KDIR: $(tail -n 3 "$work/nokdir.out" | tr '\n' ' ')"
fi
rm -rf "$work"
exit $failed
