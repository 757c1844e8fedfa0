# SPDX-License-Identifier: GPL-2.0
# The sample module: a Rust crate root and the C shim in one .ko, loaded and unloaded.
dmesg_mark
check "sample: insmod rtrace_sample" load rtrace_sample
check "sample: listed in /proc/modules" loaded rtrace_sample
check "sample: init ran through the C shim" dmesg_has "rtrace_sample: loaded"
check "sample: rmmod rtrace_sample" unload rtrace_sample
check_fails "sample: gone from /proc/modules" loaded rtrace_sample
check "sample: exit ran" dmesg_has "rtrace_sample: unloaded"
