// SPDX-License-Identifier: GPL-2.0
#include "../rust/shim.c"
#include "events/sched_shim.c"
#include "events/irq_shim.c"
#include "events/raw_syscalls_shim.c"
