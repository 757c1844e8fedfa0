# SPDX-License-Identifier: GPL-2.0
# The statistics sink: per-marker counts per CPU, log2 histograms of integer fields, their
# errors, reset, and unloading while records flow.
MC=$DEBUGFS/rtrace_marker_test/control
S=$DEBUGFS/rtrace/sinks/stats
H=$S/hist
NCPU=$(nproc)
mc() { echo "$1" >$MC; }
# line MARKER: the marker's line of `counts`, without its name.
line() { awk -v m="$1" '$1 == m { $1 = ""; sub(/^ /, ""); print }' $S/counts; }
# fails_with ERROR DMESG COMMAND...: COMMAND fails, the shell reports ERROR (as strerror
# words) and the kernel log gets a line matching DMESG.
fails_with() {
	e=$1 d=$2
	shift 2
	dmesg_mark
	out=$("$@" 2>&1) && return 1
	echo "$out" | grep -q "$e" && dmesg_has "$d"
}
# to_hist FORMAT [ARGS...]: what printf gives, in one write to hist (dd tells the errno).
to_hist() {
	f=$1
	shift
	printf "$f" "$@" >/tmp/hist.in && dd if=/tmp/hist.in of=$H bs=4096
}
# hist_err TEXT ERROR DMESG: writing the line TEXT to hist fails with ERROR, logs `hist: DMESG`.
hist_err() { fails_with "$2" "rtrace_stats: hist: $3" to_hist '%s\n' "$1"; }

dmesg_mark
check "stats: cores, sink and markers load" sh -c "insmod $MODULES/rtrace_tracepoint.ko && insmod $MODULES/rtrace_marker.ko && insmod $MODULES/rtrace_stats.ko && insmod $MODULES/rtrace_marker_test.ko"
check "stats: counts, hist and reset files" sh -c "test -f $S/counts && test -f $H && test -f $S/reset"
# An open file holds the module (its file_operations' owner, rust/kernel/debugfs.rs): rmmod is refused.
for f in counts hist; do
	exec 3<$S/$f
	check_fails "stats: rmmod while $f is open is refused" rmmod rtrace_stats
	exec 3<&-
done
exec 3>$S/reset
check_fails "stats: rmmod while reset is open is refused" rmmod rtrace_stats
exec 3>&-
check "stats: ... and the sink stays" loaded rtrace_stats
check_eq "stats: reading reset is EINVAL (write-only)" "1" "$(cat $S/reset 2>&1 | grep -c 'Invalid argument')"
header="# marker total$(i=0; while [ $i -lt "$NCPU" ]; do printf ' cpu%d' $i; i=$((i + 1)); done)"
check_eq "stats: counts is its header alone before any record" "$header" "$(cat $S/counts)"
check "stats: connect stats to test:sched_switch" mc "connect stats test sched_switch"

# Three records from each CPU.
expect_cpus=""
i=0
while [ $i -lt "$NCPU" ]; do
	taskset -c $i sh -c "for n in 1 2 3; do echo 'emit switch' >$MC; done"
	expect_cpus="$expect_cpus 3"
	i=$((i + 1))
done
total=$((3 * NCPU))
check_eq "stats: exact count, per CPU" "$total$expect_cpus" "$(line test:sched_switch)"
check_eq "stats: a marker not connected is not counted" "" "$(line test:all_types)"
for n in 1 2 3 4 5 6 7; do mc "emit switch"; done
check_eq "stats: the per-CPU counts add up to the total" "$((total + 7))" \
	"$(line test:sched_switch | awk '{ s = 0; for (i = 2; i <= NF; i++) s += $i; print s }')"
check_eq "stats: ... which is every record emitted" "$((total + 7))" "$(line test:sched_switch | cut -d' ' -f1)"

# Histograms.
check "stats: hist of an s32 field" sh -c "echo 'test:sched_switch prev_prio' >$H"
check_eq "stats: an empty histogram" "$(printf '%s\n' '# test:sched_switch prev_prio' 'total 0' 'hist_missed 0')" "$(cat $H)"
mc "emit switch"
mc "emit switch"
mc "emit prio -5"
mc "emit prio 0"
mc "emit prio 1"
mc "emit prio 1000"
check_eq "stats: prev_prio buckets: < 0, 0, 1, 64..128, 512..1024" \
	"$(printf '%s\n' '# test:sched_switch prev_prio' '< 0 1' '[0, 1) 1' '[1, 2) 1' '[64, 128) 2' '[512, 1024) 1' 'total 6' 'hist_missed 0')" \
	"$(cat $H)"
check "stats: connect stats to test:all_types" mc "connect stats test all_types"
check "stats: hist of a u64 field" sh -c "echo 'test:all_types a_u64' >$H"
check "stats: hist of an s8 field (tabs and spaces around)" sh -c "printf '\t test:all_types   a_i8 \n' >$H"
check "stats: hist of a bool field" sh -c "echo 'test:all_types a_bool' >$H"
mc "emit max"
mc "emit min"
mc "emit max"
expect=$(printf '%s\n' '# test:sched_switch prev_prio' '< 0 1' '[0, 1) 1' '[1, 2) 1' '[64, 128) 2' '[512, 1024) 1' 'total 6' \
	'# test:all_types a_u64' '[0, 1) 1' '[9223372036854775808, 18446744073709551616) 2' 'total 3' \
	'# test:all_types a_i8' '< 0 1' '[64, 128) 2' 'total 3' \
	'# test:all_types a_bool' '[0, 1) 1' '[1, 2) 2' 'total 3' 'hist_missed 0')
check_eq "stats: u64 extremes, s8 extremes, bool" "$expect" "$(cat $H)"
check_eq "stats: test:all_types counted" "3" "$(line test:all_types | cut -d' ' -f1)"

# Errors: each its errno and its line in the kernel log, nothing applied.
before=$(cat $H)
check "stats: unknown marker is -ENOENT" hist_err "test:nothing x" "No such file" "test:nothing x: no such marker or field"
check "stats: unknown field is -ENOENT" hist_err "test:sched_switch nope" "No such file" "test:sched_switch nope: no such marker or field"
check "stats: a char[] field is -EINVAL" hist_err "test:sched_switch prev_comm" "Invalid argument" "test:sched_switch prev_comm: not an integer field"
check "stats: the same histogram twice is -EEXIST" hist_err "test:all_types a_i8" "File exists" "test:all_types a_i8: already set up"
check "stats: removing a histogram not set up is -ENOENT" hist_err "!test:all_types a_u8" "No such file" "test:all_types a_u8: no such histogram"
check "stats: no colon is -EINVAL" hist_err "test sched_switch" "Invalid argument" "expected 'subsystem:event' before the field"
check "stats: one word is -EINVAL" hist_err "test:sched_switch" "Invalid argument" "expected two words"
check "stats: three words is -EINVAL" hist_err "test:sched_switch prev_prio x" "Invalid argument" "expected two words"
check "stats: a bad name is -EINVAL" hist_err "te-st:sched_switch prev_prio" "Invalid argument" "invalid name"
check "stats: an empty write is -EINVAL" hist_err "" "Invalid argument" "empty write"
check "stats: two lines in one write are -EINVAL" fails_with "Invalid argument" "hist: one command per write" to_hist 'test:all_types a_u8\ntest:all_types a_u16\n'
check "stats: a write over 256 bytes is -EINVAL" fails_with "Invalid argument" "rtrace_stats: hist: write of 301 bytes: at most 256 at once" to_hist '%0300d\n' 0
check "stats: a write that is not UTF-8 is -EINVAL" fails_with "Invalid argument" "rtrace_stats: hist: the write is not text \(UTF-8\)" to_hist '\001\002\377\n'
check "stats: binary data is -EINVAL" fails_with "Invalid argument" "hist: binary data" to_hist '\001\002\n'
check "stats: a NUL byte is -EINVAL" fails_with "Invalid argument" "hist: binary data" to_hist 'test:all_types a_u8\000\n'
check "stats: up to 8 histograms" sh -c "for f in a_u8 a_u16 a_u32 a_i16; do echo \"test:all_types \$f\" >$H || exit 1; done"
check "stats: a ninth is -EINVAL" hist_err "test:all_types a_i32" "Invalid argument" "test:all_types a_i32: too many histograms"
check "stats: remove one" sh -c "echo '!test:all_types a_u8' >$H"
check "stats: ... and another fits again" sh -c "echo 'test:all_types a_i32' >$H"
for f in a_u16 a_u32 a_i16 a_i32; do echo "!test:all_types $f" >$H; done
check_eq "stats: failed writes changed nothing" "$before" "$(cat $H)"
check "stats: removing keeps the others' counts" sh -c "echo '!test:all_types a_i8' >$H && ! grep -q a_i8 $H && grep -q '^# test:all_types a_bool' $H"

# Reset.
check "stats: reset takes only 1" fails_with "Invalid argument" "rtrace_stats: reset: write 1" sh -c "echo 2 >$S/reset"
check "stats: an empty reset is -EINVAL" fails_with "Invalid argument" "rtrace_stats: reset: empty write" sh -c "echo >$S/reset"
check "stats: a reset over 160 bytes is -EINVAL" fails_with "Invalid argument" "rtrace_stats: reset: write of 200 bytes: at most 160 at once" sh -c "head -c 200 /dev/zero | tr '\\0' 1 >$S/reset"
check "stats: a reset that is not UTF-8 is -EINVAL" fails_with "Invalid argument" "rtrace_stats: reset: the write is not text \(UTF-8\)" sh -c "printf '\\377' >/tmp/reset.in && dd if=/tmp/reset.in of=$S/reset"
check "stats: reset" sh -c "echo 1 >$S/reset"
check_eq "stats: counts are zero" "$header" "$(cat $S/counts)"
check_eq "stats: histograms are zero, and still set up" \
	"$(printf '%s\n' '# test:sched_switch prev_prio' 'total 0' '# test:all_types a_u64' 'total 0' '# test:all_types a_bool' 'total 0' 'hist_missed 0')" \
	"$(cat $H)"
mc "emit switch"
check_eq "stats: counting goes on after reset" "1" "$(line test:sched_switch | cut -d' ' -f1)"

# Markers gone and back: the connection holds, the old id's counts show as id:N.
check "stats: rmmod the markers' module" unload rtrace_marker_test
check_eq "stats: the counts of a marker that went show its id" "1" "$(line id:1 | cut -d' ' -f1)"
check "stats: reload it" load rtrace_marker_test
mc "emit switch"
check_eq "stats: its new id is counted under its name" "1" "$(line test:sched_switch | cut -d' ' -f1)"

# Unload while records flow on every CPU, through a histogram.
check "stats: hist of the reloaded marker" sh -c "echo '!test:sched_switch prev_prio' >$H && echo 'test:sched_switch prev_prio' >$H"
pids=""
i=0
while [ $i -lt "$NCPU" ]; do
	taskset -c $i sh -c "while :; do echo 'emit switch' >$MC 2>/dev/null; done" &
	pids="$pids $!"
	i=$((i + 1))
done
sleep 1
check "stats: records flow into the histogram" sh -c "grep -q '^\[64, 128) [1-9]' $H"
check "stats: rmmod the sink while records flow" unload rtrace_stats
sleep 1
check "stats: reload it while records flow" load rtrace_stats
sleep 1
check "stats: the armed connection counts again" sh -c "line() { awk -v m=\"\$1\" '\$1 == m { print \$2 }' $S/counts; }; [ \"\$(line test:sched_switch)\" -gt 0 ]"
check "stats: rmmod again while records flow" unload rtrace_stats
kill $pids
wait 2>/dev/null
check "stats: load once more, idle" load rtrace_stats
check_eq "stats: histograms do not survive a reload" "hist_missed 0" "$(cat $H)"
check "stats: rmmod everything" sh -c "rmmod rtrace_stats && rmmod rtrace_marker_test && rmmod rtrace_marker && rmmod rtrace_tracepoint"
