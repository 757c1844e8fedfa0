# SPDX-License-Identifier: GPL-2.0
# The marker core's control surface: set_event globs and !, enable, filter, and their errors.
RT=$DEBUGFS/rtrace
SE=$RT/set_event
MK=$RT/markers
C=$DEBUGFS/rtrace_marker_test/control
R=$RT/sinks/ring
err() { echo "$2" 2>&1 >"$1" | grep -q "$3"; }

dmesg_mark
load_all() { load rtrace_tracepoint && load rtrace_marker && load rtrace_ring && load rtrace_sink_test && load rtrace_marker_test; }
check "control: modules load" load_all
check_eq "control: available_sinks" "ring test" "$(cat $RT/available_sinks | tr '\n' ' ' | sed 's/ $//')"
check_eq "control: available_markers, by id" "test:sched_switch test:all_types other:empty" "$(cat $RT/available_markers | tr '\n' ' ' | sed 's/ $//')"
check "control: control files are root-only" sh -c "ls -l $SE $MK/test/sched_switch/enable $MK/test/sched_switch/filter | grep -v '^-rw-------' | wc -l | grep -qx 0"
check_eq "control: id file" "$(marker_id test sched_switch)" "$(cat $MK/test/sched_switch/id)"

check "control: a glob connects every match" sh -c "echo 'ring:test:*' >$SE"
check_eq "control: ... both test markers" "ring:test:all_types ring:test:sched_switch" "$(sort $SE | tr '\n' ' ' | sed 's/ $//')"
check "control: connecting again is not an error" sh -c "echo 'ring:test:*' >$SE"
check "control: sink globs too, several words in one write" sh -c "echo '*:other:empty test:test:sched_switch' >$SE"
check_eq "control: ... five connections" 5 "$(wc -l <$SE)"
check "control: ! removes what matches" sh -c "echo '!*:other:*' >$SE"
check_eq "control: ... three left" 3 "$(wc -l <$SE)"
check_eq "control: enable lists the marker's sinks" "ring test" "$(cat $MK/test/sched_switch/enable | tr '\n' ' ' | sed 's/ $//')"
check "control: enable takes !sink" sh -c "echo '!test' >$MK/test/sched_switch/enable"
check_eq "control: ... gone" "ring" "$(cat $MK/test/sched_switch/enable)"
check "control: a name without globs arms a connection to a marker not loaded" sh -c "echo 'ring:later:event' >$SE"
check "control: ... shown in set_event, marked pending" grep -qx "ring:later:event pending" $SE
check "control: ... the kernel log says so" dmesg_has "rtrace_marker: set_event: ring:later:event is pending: no marker later:event is registered"
npending() { dmesg | tail -n +"$((${dmesg_start:-0} + 1))" | grep -c "ring:later:event is pending"; }
check "control: the same word twice in one write is one connection, not an error" sh -c "echo 'ring:later:event ring:later:event' >$SE"
check_eq "control: ... logged once" 1 "$(npending)"
check_eq "control: ... listed once" 1 "$(grep -c later $SE)"
echo '!ring:later:event' >$SE
check "control: overlapping removals in one write are deduplicated" sh -c "echo '!ring:test:* !ring:*:sched_switch !*:test:sched_switch' >$SE"
check_eq "control: ... none of ring's left" "" "$(grep '^ring:' $SE)"
check "control: overlapping connections in one write too" sh -c "echo 'ring:test:* ring:test:sched_switch ring:*:sched_switch' >$SE"
check_eq "control: ... each made once" "ring:test:all_types ring:test:sched_switch" "$(grep '^ring:' $SE | sort | tr '\n' ' ' | sed 's/ $//')"
check "control: enable '!ring !r*' removes one connection once" sh -c "echo '!ring !r*' >$MK/test/sched_switch/enable"
check "control: enable 'ring ring' makes it once" sh -c "echo 'ring ring' >$MK/test/sched_switch/enable"
check_eq "control: ... listed once" "ring" "$(cat $MK/test/sched_switch/enable)"

before=$(cat $SE)
check "control: a glob matching no marker is ENOENT" err $SE "ring:nosuch:*" "No such file"
check "control: ... saying so" dmesg_has "set_event: 'ring:nosuch:\*' matches no sink or marker"
check "control: ! matching no connection succeeds, as in ftrace" sh -c "echo '!ring:other:*' >$SE"
check_eq "control: ... and changes nothing" "$before" "$(cat $SE)"
check "control: a malformed word is EINVAL" err $SE "ring:test" "Invalid argument"
check "control: ... saying so" dmesg_has "set_event: 'ring:test': expected \[!\]sink:subsystem:event"
check "control: a bad name is EINVAL" err $SE "ring:te-st:x" "Invalid argument"
check "control: a bad word among good ones applies nothing" err $SE "!ring:test:* ring:a:b:c" "Invalid argument"
check "control: a word matching nothing among good ones applies nothing" err $SE "!ring:test:* ring:zz*:x" "No such file"
ideo=$(printf '\343\200\200')
check "control: words separated by U+3000 are EINVAL (the grammar is ASCII)" err $SE "!ring:test:x${ideo}!ring:other:y" "Invalid argument"
check "control: a word padded by U+3000 is EINVAL" err $SE "${ideo}!ring:test:x" "Invalid argument"
check "control: U+3000 alone is not an empty write but EINVAL" err $SE "$ideo" "Invalid argument"
check "control: ... saying which word, escaped" dmesg_has "set_event: '\\\\xe3\\\\x80\\\\x80': expected"
check "control: an empty write is EINVAL" err $SE "" "Invalid argument"
check "control: ... saying so" dmesg_has "set_event: empty write"
check "control: a binary write is EINVAL" err $SE "$(printf '\377\001')" "Invalid argument"
check "control: an over-long write is EINVAL" err $SE "$(head -c 5000 /dev/zero | tr '\0' a)" "Invalid argument"
check "control: ... saying so" dmesg_has "set_event: write of 5001 bytes: at most 4096"
check "control: enable with a bad sink name is EINVAL" err $MK/test/sched_switch/enable "ri:ng" "Invalid argument"
check_eq "control: nothing changed by the refusals" "$before" "$(cat $SE)"

# Text written to a control file cannot forge a line of the kernel log.
printf 'nosuch == 1\nFORGED: filter\n' >$MK/test/sched_switch/filter 2>/dev/null
printf '1\nFORGED: size' >$R/buffer_size_kb 2>/dev/null
printf '2\rFORGED: overwrite' >$R/overwrite 2>/dev/null
printf 'ring:a\033[2K:b\n' >$SE 2>/dev/null
forged() { dmesg | tail -n +"$((${dmesg_start:-0} + 1))" | grep -v 'x0[ad]FORGED' | grep -c FORGED; }
check_eq "control: no forged log line from filter, buffer_size_kb or overwrite" 0 "$(forged)"
check "control: ... the filter's text is logged escaped" dmesg_has "filter: unknown field: 'nosuch == 1\\\\x0aFORGED: filter'"
check "control: ... buffer_size_kb's too" dmesg_has "buffer_size_kb: '1\\\\x0aFORGED: size' is not a number"
check "control: ... a set_event word's too" dmesg_has "set_event: 'ring:a\\\\x1b\\[2K:b'"

# Filters.
F=$MK/test/sched_switch/filter
check_eq "control: no filter at first" "none" "$(cat $F)"
for bad in "nosuch == 1" "prev_comm < 3" "prev_pid == abc" "prev_prio == 99999999999" "(prev_pid == 1" "prev_pid == 1 &&" "prev_pid" "prev_pid == 1 junk"; do
	check "control: filter '$bad' is EINVAL" err $F "$bad" "Invalid argument"
done
check "control: ... each saying why" dmesg_has "test:sched_switch filter: .*: 'nosuch == 1'"
check_eq "control: ... and the filter is unchanged" "none" "$(cat $F)"
echo "!*:*:*" >$SE
echo "ring:test:sched_switch" >$SE
echo "emit switch 400" >$C
drain /tmp/all.txt
expr='(prev_pid >= 100 && prev_pid < 150) || next_prio == 7 || (prev_pid & 256 && next_comm == "ne*")'
check "control: a filter is set" sh -c "echo '$expr' >$F"
check_eq "control: ... and read back" "$expr" "$(cat $F)"
echo "emit switch 400" >$C
drain /tmp/filtered.txt
want=$(grep test:sched_switch /tmp/all.txt | awk '{for(i=1;i<=NF;i++){split($i,a,"="); v[a[1]]=a[2]} p=v["prev_pid"]+0; n=v["next_prio"]+0; if ((p>=100 && p<150) || n==7 || (and(p,256) && v["next_comm"] ~ /^ne/)) print p}' | tr '\n' ' ')
got=$(grep test:sched_switch /tmp/filtered.txt | sed 's/.*prev_pid=\([0-9]*\) .*/\1/' | tr '\n' ' ')
check "control: the filter kept some records" test -n "$got"
check_eq "control: it kept exactly those of the unfiltered run that match" "$want" "$got"
check "control: 0 clears the filter" sh -c "echo 0 >$F"
check_eq "control: ... none" "none" "$(cat $F)"
echo 'prev_comm == "rtrace"' >$F
exec 3<>$MK/test/sched_switch/enable 4<>$F 5<$MK/test/sched_switch/id
check "control: rmmod with a filter set, its files open" unload rtrace_marker_test
eio() { "$@" 2>&1 | grep -q "Input/output error"; }
check "control: writing enable of a marker that is gone is EIO" eio sh -c "echo ring >&3"
check "control: writing its filter is EIO" eio sh -c "echo 0 >&4"
check "control: reading its enable is EIO" eio cat <&3
check "control: reading its id is EIO" eio cat <&5
exec 3>&- 4>&- 5<&-
reload() { load rtrace_marker_test >/dev/null && grep -qx none $F; }
check "control: reload: no filter" reload
# Pending connections: at most 1024 in all.
echo '!*:*:*' >$SE
arm() { i=$1; while [ $i -le $2 ]; do printf 'ring:later:e%d ' $i; i=$((i + 1)); done; }
arm_all() { for r in 0 1 2 3 4 5 6 7; do echo "$(arm $((r * 128 + 1)) $((r * 128 + 128)))" >$SE || return 1; done; }
check "control: 1024 pending connections" arm_all
check_eq "control: ... all listed pending" 1024 "$(grep -c ' pending$' $SE)"
check "control: the 1025th is ENOSPC" err $SE "ring:later:e1025" "No space left"
check "control: ... saying so" dmesg_has "set_event: 1 more pending connections, 1024 already: at most 1024 in all"
check "control: at the limit, a connection that is not pending is still made" sh -c "echo 'ring:test:sched_switch' >$SE"
check "control: !*:*:* removes them all" sh -c "echo '!*:*:*' >$SE"
check_eq "control: ... none left" 0 "$(wc -l <$SE)"
check "control: !*:*:* with nothing connected succeeds" sh -c "echo '!*:*:*' >$SE"
unload_all() { echo '!*:*:*' >$SE; unload rtrace_marker_test && unload rtrace_sink_test && unload rtrace_ring && unload rtrace_marker && unload rtrace_tracepoint; }
check "control: rmmod everything" unload_all
