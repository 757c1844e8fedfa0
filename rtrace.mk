# SPDX-License-Identifier: GPL-2.0
#
# rtrace.mk: builds your own kernel modules against rtrace (Documentation/instrumenting.rst).
#
# Include it at the end of your module directory's Makefile, after setting RTRACE:
#
#     RTRACE ?= /path/to/rtrace
#     include $(RTRACE)/rtrace.mk
#
# and at the end of its Kbuild (where Kbuild gets RTRACE from this file's make):
#
#     include $(RTRACE)/rtrace.mk
#
# Then `make KDIR=/path/to/your/kernel/build` (default: the running kernel's) builds rtrace's
# modules for that kernel out of place (scripts/build-modules, into RTRACE_OUT) and your modules
# against them, with what the kernel's Rust build needs: LLVM=1, RUSTC (default /usr/bin/rustc,
# which ships rust-src; it must be the rustc the kernel was built with), and KBUILD_EXTRA_SYMBOLS
# naming rtrace's Module.symvers. It links `rtrace`, in your directory, to rtrace's rust/, for the
# crate roots' `#[path = "rtrace/rtrace.rs"] mod rtrace;`.
#
# In Kbuild, each module of obj-m gets rtrace's C shim (rust/shim.c, the out-of-line wrappers of
# the static-inline kernel APIs rtrace calls) linked in as rtrace_shim_<module>.o: list your
# modules as `obj-m += NAME.o` with `NAME-y := <crate root>.o ...`.
#
# Targets: all (the default: rtrace and your modules), clean, rtrace-modules (rtrace's only).
# Variables: KDIR, RUSTC, RTRACE_OUT (where rtrace is built; default scripts/out-dir KDIR),
#            RTRACE_SYMVERS (an rtrace already built for KDIR: its Module.symvers; skips building
#            rtrace, as the VM harness does).

ifeq ($(RTRACE),)
$(error rtrace.mk: set RTRACE to rtrace's directory before including rtrace.mk)
endif

ifneq ($(KERNELRELEASE),)
# Kbuild: a shim object for every module of this directory.
rtrace-modules := $(patsubst %.o,%,$(filter %.o,$(obj-m)))
$(foreach m,$(rtrace-modules),$(if $($(m)-y)$($(m)-objs),,$(error \
	rtrace.mk: $(m).o has no $(m)-y list: write "$(m)-y := <crate root>.o" in Kbuild)))
$(foreach m,$(rtrace-modules),$(eval $(m)-y += rtrace_shim_$(m).o))

$(obj)/rtrace_shim_%.o: $(RTRACE)/rust/shim.c FORCE
	$(call if_changed_rule,cc_o_c)

else
# The module directory's own make.
RTRACE := $(abspath $(RTRACE))
KDIR ?= /lib/modules/$(shell uname -r)/build
RUSTC ?= $(if $(wildcard /usr/bin/rustc),/usr/bin/rustc,rustc)
RUSTDOC ?= $(dir $(RUSTC))rustdoc
ifeq ($(RTRACE_OUT),)
RTRACE_OUT := $(shell $(RTRACE)/scripts/out-dir $(KDIR) 2>/dev/null)
endif
RTRACE_SYMVERS ?=
rtrace-symvers := $(or $(RTRACE_SYMVERS),$(RTRACE_OUT)/src/Module.symvers)
rtrace-kbuild := -C $(KDIR) M=$(CURDIR) LLVM=1 RUSTC=$(RUSTC) RUSTDOC=$(RUSTDOC) RTRACE=$(RTRACE)

.PHONY: all rtrace-check rtrace-modules rtrace-link clean

all: rtrace-check $(if $(RTRACE_SYMVERS),,rtrace-modules) rtrace-link
	$(MAKE) $(rtrace-kbuild) KBUILD_EXTRA_SYMBOLS=$(rtrace-symvers) modules

# KDIR and RUSTC: one line saying what is wrong, before any build.
rtrace-check:
	@$(RTRACE)/scripts/check-kdir $(KDIR) $(RUSTC)

rtrace-modules: rtrace-check
	@RUSTC=$(RUSTC) $(RTRACE)/scripts/build-modules -o $(RTRACE_OUT) $(KDIR) >/dev/null

# rtrace's Rust code, where the crate roots' `#[path = "rtrace/rtrace.rs"] mod rtrace;` finds it.
rtrace-link:
	@if [ -e rtrace ] && [ ! -L rtrace ]; then \
		echo "rtrace.mk: $(CURDIR)/rtrace exists and is not the link to rtrace's rust/" >&2; exit 1; fi
	@ln -sfn $(RTRACE)/rust rtrace

clean:
	$(MAKE) $(rtrace-kbuild) clean
	rm -f rtrace
endif
