# SPDX-License-Identifier: GPL-2.0
# The marker core: declarations checked and described in debugfs `format` files.
MK=$DEBUGFS/rtrace/markers
C=$DEBUGFS/rtrace_marker_test/control
ctl_err() { sh -c "echo '$1' >$C" 2>&1 | grep -q "$2"; }

dmesg_mark
check "marker: cores and test module load" sh -c "insmod $MODULES/rtrace_tracepoint.ko && insmod $MODULES/rtrace_marker.ko && insmod $MODULES/rtrace_marker_test.ko"
check_eq "marker: one directory per subsystem" "other test" "$(ls $MK | tr '\n' ' ' | sed 's/ $//')"
check_eq "marker: one directory per event" "all_types sched_switch" "$(ls $MK/test | tr '\n' ' ' | sed 's/ $//')"
check "marker: a marker without fields is registered" test -f $MK/other/empty/format

T=$(printf '\t')
expect=$(printf '%s\n' "name: sched_switch" "ID: 1" "format:" \
	"${T}field:char prev_comm[16];${T}offset:0;${T}size:16;${T}signed:0;" \
	"${T}field:s32 prev_pid;${T}offset:16;${T}size:4;${T}signed:1;" \
	"${T}field:s32 prev_prio;${T}offset:20;${T}size:4;${T}signed:1;" \
	"${T}field:s64 prev_state;${T}offset:24;${T}size:8;${T}signed:1;" \
	"${T}field:char next_comm[16];${T}offset:32;${T}size:16;${T}signed:0;" \
	"${T}field:s32 next_pid;${T}offset:48;${T}size:4;${T}signed:1;" \
	"${T}field:s32 next_prio;${T}offset:52;${T}size:4;${T}signed:1;")
check_eq "marker: test:sched_switch format matches its declaration" "$expect" "$(cat $MK/test/sched_switch/format)"
expect=$(printf '%s\n' "name: all_types" "ID: 2" "format:" \
	"${T}field:u8 a_u8;${T}offset:0;${T}size:1;${T}signed:0;" \
	"${T}field:u16 a_u16;${T}offset:1;${T}size:2;${T}signed:0;" \
	"${T}field:u32 a_u32;${T}offset:3;${T}size:4;${T}signed:0;" \
	"${T}field:u64 a_u64;${T}offset:7;${T}size:8;${T}signed:0;" \
	"${T}field:s8 a_i8;${T}offset:15;${T}size:1;${T}signed:1;" \
	"${T}field:s16 a_i16;${T}offset:16;${T}size:2;${T}signed:1;" \
	"${T}field:s32 a_i32;${T}offset:18;${T}size:4;${T}signed:1;" \
	"${T}field:s64 a_i64;${T}offset:22;${T}size:8;${T}signed:1;" \
	"${T}field:bool a_bool;${T}offset:30;${T}size:1;${T}signed:0;" \
	"${T}field:char a_chars[16];${T}offset:31;${T}size:16;${T}signed:0;" \
	"${T}field:__data_loc char[] a_str;${T}offset:47;${T}size:4;${T}signed:0;${T}max:32;" \
	"${T}field:__data_loc u8[] a_bytes;${T}offset:51;${T}size:4;${T}signed:0;${T}max:8;")
check_eq "marker: test:all_types format has every type, packed" "$expect" "$(cat $MK/test/all_types/format)"
check_eq "marker: other:empty format" "$(printf '%s\n' 'name: empty' 'ID: 3' 'format:')" "$(cat $MK/other/empty/format)"
check "marker: format files are root-only" sh -c "ls -l $MK/test/sched_switch/format | grep -q '^-r--------'"

before=$(find $MK | sort)
check "marker: a bad name is refused with -EINVAL" ctl_err "bad name" "Invalid argument"
check "marker: ... saying why" dmesg_has "marker test:bad-name refused: invalid name"
check "marker: 33 fields are refused" ctl_err "bad fields" "Invalid argument"
check "marker: ... saying why" dmesg_has "marker test:too_many refused: too many fields"
check "marker: an unknown field type is refused" ctl_err "bad type" "Invalid argument"
check "marker: ... saying why" dmesg_has "marker test:unknown_type refused: unknown field type"
check "marker: a duplicate field name is refused" ctl_err "bad duplicate" "Invalid argument"
check "marker: ... saying why" dmesg_has "marker test:duplicate refused: two fields have the same name"
check "marker: an empty array is refused" ctl_err "bad size" "Invalid argument"
check "marker: ... saying why" dmesg_has "marker test:zero_size refused: an array or string size"
check "marker: records over 64 KiB are refused" ctl_err "bad large" "Invalid argument"
check "marker: ... saying why" dmesg_has "marker test:too_large refused: its largest record"
check "marker: a second marker of one name is -EEXIST" ctl_err "bad exists" "File exists"
check "marker: ... naming the module that has it" dmesg_has "marker test:sched_switch is already registered by module rtrace_marker_test"
check "marker: a caller of another ABI version is refused" ctl_err "bad abi" "Invalid argument"
check "marker: ... saying so" dmesg_has "rtrace_marker_test was built against rtrace marker ABI [0-9]*, this core has ABI"
check_eq "marker: nothing else disturbed by the refusals" "$before" "$(find $MK | sort)"

check "marker: rmmod rtrace_marker_test" unload rtrace_marker_test
check_eq "marker: its markers and subsystems are gone" "" "$(ls $MK)"
check "marker: reloaded, markers get new ids" load rtrace_marker_test
check "marker: ... test:sched_switch is now ID 4" grep -qx "ID: 4" $MK/test/sched_switch/format
# Format files read continuously while their markers come and go.
(while [ ! -e /tmp/stop_reading ]; do cat $MK/test/*/format >/dev/null 2>&1; done) &
reader=$!
errors=0
i=0
while [ $i -lt 20 ]; do
	unload rtrace_marker_test >/dev/null || errors=$((errors + 1))
	load rtrace_marker_test >/dev/null || errors=$((errors + 1))
	i=$((i + 1))
done
touch /tmp/stop_reading
wait $reader
check_eq "marker: 20 unload/load rounds while format files are read" 0 $errors
check "marker: rmmod everything" sh -c "rmmod rtrace_marker_test && rmmod rtrace_marker && rmmod rtrace_tracepoint"

# The generated encoders and the filters the core evaluates, through the test sink.
SC=$DEBUGFS/rtrace_sink_test/control
R=$DEBUGFS/rtrace_sink_test/records
F=$MK/test/sched_switch/filter
SW=727472616365000000000000000000002a000000780000000100000000000000737761707065722f30000000000000000000000078000000
records() { grep -v '^dropped=' $R; }
check "marker: cores, test sink and markers load" sh -c "insmod $MODULES/rtrace_tracepoint.ko && insmod $MODULES/rtrace_marker.ko && insmod $MODULES/rtrace_sink_test.ko && insmod $MODULES/rtrace_marker_test.ko"
id=$(marker_id test sched_switch)
check "marker: connect the test sink" sh -c "echo 'connect test sched_switch' >$SC"
echo "emit forms" >$C
check_eq "marker: char[16] from a 16-byte array, a slice, a shorter array: one record" \
	"$(printf '%s 56 %s\n%s 56 %s\n%s 56 %s' $id $SW $id $SW $id $SW)" "$(records)"
echo clear >$SC
check "marker: a filter on a char[16] and an s32" sh -c "echo 'next_comm == \"swapper*\" && prev_prio < 100' >$F"
for p in 50 120 99 100 -5; do echo "emit prio $p" >$C; done
check_eq "marker: the core's filter keeps exactly the records that match" "50 99 -5" \
	"$(records | while read -r _ _ hex; do h=$(echo "$hex" | cut -c41-48); printf '%d ' $(( $(printf '%d' "0x$(echo $h | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/')") << 32 >> 32 )); done | sed 's/ $//')"
echo clear >$SC
check "marker: a filter on a char[16] alone" sh -c "echo 'prev_comm == \"rtrace\"' >$F"
echo "emit forms" >$C
check_eq "marker: ... passes whatever form the field is given in" 3 "$(records | wc -l)"
check "marker: a filter no record of the test passes" sh -c "echo 'prev_comm == \"rtrace?\"' >$F"
echo "emit forms" >$C
check_eq "marker: ... keeps none" 3 "$(records | wc -l)"
echo 0 >$F
check "marker: rmmod everything" sh -c "rmmod rtrace_marker_test && rmmod rtrace_sink_test && rmmod rtrace_marker && rmmod rtrace_tracepoint"
