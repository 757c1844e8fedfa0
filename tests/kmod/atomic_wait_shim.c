// SPDX-License-Identifier: GPL-2.0
#include "../../rust/shim.c"
