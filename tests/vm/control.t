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
check "control: ... shown in set_event" grep -qx "ring:later:event" $SE
echo '!ring:later:event' >$SE

before=$(cat $SE)
check "control: a glob matching no marker is ENOENT" err $SE "ring:nosuch:*" "No such file"
check "control: ... saying so" dmesg_has "set_event: 'ring:nosuch:\*' matches no sink or marker"
check "control: ! matching no connection is ENOENT" err $SE "!ring:other:*" "No such file"
check "control: ... saying so" dmesg_has "set_event: '!ring:other:\*' matches no connection"
check "control: a malformed word is EINVAL" err $SE "ring:test" "Invalid argument"
check "control: ... saying so" dmesg_has "set_event: 'ring:test': expected \[!\]sink:subsystem:event"
check "control: a bad name is EINVAL" err $SE "ring:te-st:x" "Invalid argument"
check "control: a bad word among good ones applies nothing" err $SE "!ring:test:* ring:a:b:c" "Invalid argument"
check "control: a word matching nothing among good ones applies nothing" err $SE "!ring:test:* ring:zz*:x" "No such file"
check "control: an empty write is EINVAL" err $SE "" "Invalid argument"
check "control: ... saying so" dmesg_has "set_event: empty write"
check "control: a binary write is EINVAL" err $SE "$(printf '\377\001')" "Invalid argument"
check "control: an over-long write is EINVAL" err $SE "$(head -c 5000 /dev/zero | tr '\0' a)" "Invalid argument"
check "control: ... saying so" dmesg_has "set_event: write of 5001 bytes: at most 4096"
check "control: enable with a bad sink name is EINVAL" err $MK/test/sched_switch/enable "ri:ng" "Invalid argument"
check_eq "control: nothing changed by the refusals" "$before" "$(cat $SE)"

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
check "control: rmmod with a filter set" unload rtrace_marker_test
reload() { load rtrace_marker_test >/dev/null && grep -qx none $F; }
check "control: reload: no filter" reload
unload_all() { echo '!*:*:*' >$SE; unload rtrace_marker_test && unload rtrace_sink_test && unload rtrace_ring && unload rtrace_marker && unload rtrace_tracepoint; }
check "control: rmmod everything" unload_all
