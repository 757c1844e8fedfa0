#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs every in-VM test file (tests/vm/*.t, or those named as arguments) and prints TAP: the
# test lines, then the plan. Exits non-zero when any test failed.
cd /rtrace/tests || exit 1
[ $# -gt 0 ] || set -- *.t
log=/tmp/tap.log
: >$log
for t in "$@"; do
	echo "# $t"
	sh -c ". ./lib.sh; . ./$t" 2>&1 | tee -a $log
done
total=$(grep -Ec '^(not )?ok' $log)
failed=$(grep -c '^not ok' $log)
echo "1..$total"
[ "$failed" -eq 0 ]
