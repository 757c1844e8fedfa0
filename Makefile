# SPDX-License-Identifier: GPL-2.0
#
# rtrace: out-of-tree build of every module, and the project's entry points.
#
#   make run                 build everything, boot the bundled kernel in QEMU, show tracing
#   make test                host tests + in-VM tests on the debug kernel (what CI runs)
#   make bench               benchmarks in the VM on the non-debug kernel
#   make vm SCRIPT=file      boot the VM and run a shell script in it, every module available
#   make modules KDIR=...    build the modules in place against your own 6.12 Rust-enabled kernel
#
# `run`, `test`, `bench` and `vm` first install what is missing (scripts/bootstrap).

# Debian's rustc (rustc-web) ships the rust-src that the kernel's `core` build needs.
RUSTC ?= $(if $(wildcard /usr/bin/rustc),/usr/bin/rustc,rustc)
RUSTDOC ?= $(dir $(RUSTC))rustdoc
KBUILD_FLAGS = LLVM=1 RUSTC=$(RUSTC) RUSTDOC=$(RUSTDOC)

.PHONY: all modules clean bootstrap test run bench vm host-test

all: modules

# Building in place against a user's kernel: KDIR is required and checked first.
modules:
	@test -n "$(KDIR)" || { echo "make modules: set KDIR to a Rust-enabled 6.12 kernel build directory (or use make run / make test)"; exit 2; }
	@scripts/check-kdir "$(KDIR)" "$(RUSTC)"
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_FLAGS) modules

clean:
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
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
	ICOUNT=$(ICOUNT) scripts/run-bench

vm: bootstrap
	@test -n "$(SCRIPT)" || { echo "make vm: set SCRIPT to a shell script to run in the VM"; exit 2; }
	scripts/vm-run "$(SCRIPT)"
