# SPDX-License-Identifier: GPL-2.0
#
# rtrace: out-of-tree build of every module, and the project's entry points.
#
#   make run                 build everything, boot the bundled kernel in QEMU, show tracing
#   make test                host tests + in-VM tests on the debug kernel (what CI runs)
#   make bench               benchmarks in the VM on the non-debug kernel
#   make vm SCRIPT=file [MODULES="dir..."]
#                            boot the VM and run a shell script in it, every module available, and
#                            the modules of each dir (built with their Makefile, see rtrace.mk)
#   make modules KDIR=... [O=dir]
#                            build the modules against your own Rust-enabled 6.12 kernel, out of
#                            place: into O (default build/kbuild/<release>-<id>, scripts/out-dir)
#
# Your own modules build against rtrace with rtrace.mk (Documentation/instrumenting.rst).
# `run`, `test`, `bench` and `vm` first install what is missing (scripts/bootstrap).

# Debian's rustc (rustc-web) ships the rust-src that the kernel's `core` build needs.
RUSTC ?= $(if $(wildcard /usr/bin/rustc),/usr/bin/rustc,rustc)
RUSTDOC ?= $(dir $(RUSTC))rustdoc

.PHONY: all modules clean bootstrap test run bench vm host-test

all: modules

# Building against a user's kernel: KDIR is required and checked first; nothing is written in the
# source tree (scripts/build-modules mirrors the sources into O and builds there).
modules:
	@test -n "$(KDIR)" || { echo "make modules: set KDIR to a Rust-enabled 6.12 kernel build directory (or use make run / make test)"; exit 2; }
	@out=$$(RUSTC="$(RUSTC)" scripts/build-modules $(if $(O),-o "$(O)") "$(KDIR)") && \
		echo "rtrace modules: $$out; Module.symvers: $$(dirname $$out)/src/Module.symvers"

clean:
	rm -rf build target

bootstrap:
	@scripts/bootstrap

host-test:
	scripts/host-test

test: bootstrap
	scripts/run-tests

run: bootstrap
	scripts/run-demo

bench: bootstrap
	scripts/run-bench

vm: bootstrap
	@test -n "$(SCRIPT)" || { echo "make vm: set SCRIPT to a shell script to run in the VM"; exit 2; }
	MODULES="$(MODULES)" scripts/vm-run "$(SCRIPT)"
