# SPDX-License-Identifier: GPL-2.0
# Module churn: the instrumented module and the probe module loaded and unloaded in every order,
# 50 rounds, with the tracepoint core loaded throughout. kmemleak and the splat scan run after.
TP=$DEBUGFS/rtrace/tracepoints
dmesg_mark
check "churn: insmod rtrace_tracepoint" load rtrace_tracepoint
errors=0
step() { "$@" >/dev/null 2>&1 || errors=$((errors + 1)); }
round=0
while [ $round -lt 50 ]; do
	# probe first, instrumented module first; each unloaded first or last.
	step load rtrace_sample_counter; step load rtrace_sample; step unload rtrace_sample; step unload rtrace_sample_counter
	step load rtrace_sample_counter; step load rtrace_sample; step unload rtrace_sample_counter; step unload rtrace_sample
	step load rtrace_sample; step load rtrace_sample_counter; step unload rtrace_sample; step unload rtrace_sample_counter
	step load rtrace_sample; step load rtrace_sample_counter; step unload rtrace_sample_counter; step unload rtrace_sample
	round=$((round + 1))
done
check_eq "churn: 800 insmod/rmmod in every order, none failed" 0 $errors
check_eq "churn: registry empty afterwards" "" "$(cat $TP)"
check_fails "churn: no probe disconnected by force" dmesg_has "went without"
check "churn: rmmod rtrace_tracepoint" unload rtrace_tracepoint
