# SPDX-License-Identifier: GPL-2.0
# The ring-buffer tracer: text and binary readers (consuming or not), modes, exact loss accounting,
# its errors.
R=$DEBUGFS/rtrace/sinks/ring
RT_STATS=$DEBUGFS/rtrace/sinks/stats
SE=$DEBUGFS/rtrace/set_event
C=$DEBUGFS/rtrace_marker_test/control
# err FILE TEXT ERROR: writing TEXT (and a newline) to FILE fails with ERROR.
err() { echo "$2" 2>&1 >"$1" | grep -q "$3"; }
# with_data: the trace_pipe_raw files of the CPUs that have records.
with_data() { for d in $R/per_cpu/cpu*; do [ "$(sed -n 's/^in_buffer: //p' $d/stats)" = 0 ] || echo $d/trace_pipe_raw; done; }
stat() { sed -n "s/^$1: //p" $R/stats; }

dmesg_mark
load_all() { load rtrace_tracepoint && load rtrace_marker && load rtrace_ring && load rtrace_marker_test; }
check "ring: cores, tracer and test module load" load_all
check_eq "ring: available_sinks lists it" "ring" "$(cat $DEBUGFS/rtrace/available_sinks)"
check "ring: available_markers lists test markers" grep -qx "test:sched_switch" $DEBUGFS/rtrace/available_markers
check "ring: its files are root-only" sh -c "ls -l $R/trace $R/trace_pipe $R/stats | grep -v '^-r--------' | wc -l | grep -qx 0"
check_eq "ring: default size" 1024 "$(cat $R/buffer_size_kb)"
check_eq "ring: discard mode by default" 0 "$(cat $R/overwrite)"
check_eq "ring: one per_cpu directory per CPU" "$(grep -c ^processor /proc/cpuinfo)" "$(ls $R/per_cpu | wc -l)"
# An open file holds the module (its file_operations' owner, rust/kernel/debugfs.rs): rmmod is refused.
for f in trace_pipe buffer_size_kb per_cpu/cpu0/snapshot_raw; do
	exec 3<$R/$f
	check_fails "ring: rmmod while $f is open is refused" rmmod rtrace_ring
	exec 3<&-
done
check "ring: ... and the tracer stays" loaded rtrace_ring

check "ring: set_event connects ring:test:sched_switch" sh -c "echo ring:test:sched_switch >$SE"
check_eq "ring: set_event shows it" "ring:test:sched_switch" "$(cat $SE)"
check_eq "ring: the marker's enable shows it" "ring" "$(cat $DEBUGFS/rtrace/markers/test/sched_switch/enable)"
echo "emit switch 3" >$C
line=$(grep 'test:sched_switch' $R/trace | sed -n 2p)
check "ring: trace shows ftrace-shaped lines" sh -c "echo '$line' | grep -Eq '^ +sh-[0-9]+ +\[[0-9]{3}\] +[0-9]+\.[0-9]{6}: test:sched_switch: prev_comm=rtrace prev_pid=1 prev_prio=1 prev_state=1 next_comm=next next_pid=1 next_prio=1$'"
check_eq "ring: trace does not consume" 2 "$(grep -c 'prev_pid=[01] ' $R/trace)"
check_eq "ring: stats count 3 entries in the buffer" "3 3" "$(stat entries) $(stat in_buffer)"
drain /tmp/pipe.txt
check_eq "ring: trace_pipe consumes the three" "3" "$(grep -c test:sched_switch /tmp/pipe.txt)"
check_eq "ring: ... in order" "0 1 2" "$(sed -n 's/.*prev_pid=\([0-9]*\) .*/\1/p' /tmp/pipe.txt | tr '\n' ' ' | sed 's/ $//')"
check_eq "ring: ... and they are read" "3 0" "$(stat read) $(stat in_buffer)"
check_eq "ring: trace is empty after" 0 "$(grep -c test: $R/trace)"

# Binary: the raw files of all CPUs hold the records, 4-byte aligned, 8-byte headers; each read
# starts with a context record (40 bytes) unless the stream has one there.
# raw_walk: reads a stream on stdin, prints "ID LEN" per record; "bad" if a record runs past the end.
raw_walk() {
	od -An -v -tu1 | awk '{ for (i = 1; i <= NF; i++) b[n++] = $i }
		END { at = 0
			while (at + 8 <= n) {
				id = b[at] + 256 * b[at + 1]; len = b[at + 2] + 256 * b[at + 3]
				total = 8 + int((len + 3) / 4) * 4
				if (at + total > n) { print "bad"; exit }
				print id, len; at += total
			}
			if (at != n) print "bad" }'
}
echo "emit switch 5" >$C
for f in $(with_data); do echo F; dd if=$f bs=65536 count=1 2>/dev/null | raw_walk | sed 's/^/R /'; done >/tmp/raw.txt
id=$(marker_id test sched_switch)
check_eq "ring: trace_pipe_raw gives the 5 records, 56-byte payloads" 5 "$(grep -c "^R $id 56$" /tmp/raw.txt)"
check_eq "ring: ... whole records only, and only context (65535, 32 bytes) and time (65534, 8) besides" "" "$(grep -Ev "^(F|R ($id 56|65535 32|65534 8))$" /tmp/raw.txt)"
check "ring: ... each read starting with a context record" awk '/^F/ { f = 1; next } f && $0 != "R 65535 32" { bad = 1 } { f = 0 } END { exit bad }' /tmp/raw.txt
echo "emit switch 2" >$C
dd if=$(with_data | head -n 1) bs=65536 count=1 2>/dev/null >/tmp/raw.bin
check_eq "ring: ... whose pid is the writer's" "$$" "$(od -An -td4 -j16 -N4 /tmp/raw.bin | tr -d ' ')"
check_eq "ring: ... whose comm is its name" "sh" "$(dd if=/tmp/raw.bin bs=1 skip=24 count=16 2>/dev/null | tr -d '\0')"
echo "emit switch 1" >$C
check "ring: a raw read smaller than a record is EINVAL" sh -c "dd if=$(with_data) bs=40 count=1 2>&1 | grep -q 'Invalid argument'"
drain /tmp/x.txt

# Bad writes: each refused with its errno and message, nothing changed.
check "ring: buffer_size_kb 'abc' is EINVAL" err $R/buffer_size_kb abc "Invalid argument"
check "ring: ... saying why" dmesg_has "buffer_size_kb: 'abc' is not a number"
check "ring: buffer_size_kb 7 is EINVAL" err $R/buffer_size_kb 7 "Invalid argument"
check "ring: buffer_size_kb 48 (not a power of two) is EINVAL" err $R/buffer_size_kb 48 "Invalid argument"
check "ring: buffer_size_kb 999999 is EINVAL" err $R/buffer_size_kb 999999 "Invalid argument"
check "ring: ... saying why" dmesg_has "the size per CPU is a power of two from 16 to 65536"
check "ring: buffer_size_kb while connected is EBUSY" err $R/buffer_size_kb 64 "busy"
check "ring: ... saying why" dmesg_has "disconnect it first"
check "ring: overwrite 2 is EINVAL" err $R/overwrite 2 "Invalid argument"
check "ring: an empty write is EINVAL" err $R/overwrite "" "Invalid argument"
check "ring: ... saying so" dmesg_has "overwrite: empty write"
check "ring: a binary write is EINVAL" err $R/overwrite "$(printf '\377\376')" "Invalid argument"
check "ring: ... saying so" dmesg_has "overwrite: the write is not text"
check "ring: an over-long write is EINVAL" err $R/overwrite "$(head -c 5000 /dev/zero | tr '\0' 1)" "Invalid argument"
check "ring: ... saying so" dmesg_has "overwrite: write of 5001 bytes: at most 160"
check_eq "ring: nothing changed" "1024 0" "$(cat $R/buffer_size_kb) $(cat $R/overwrite)"
check "ring: writing stats is EPERM" err $R/stats 1 "not permitted"
check "ring: writing a CPU's stats is EPERM" err $R/per_cpu/cpu0/stats x "not permitted"
check "ring: clock shows the trace clock and the real time" sh -c "cat $R/clock | grep -Eqx '[0-9]+ [0-9]{19}'"
check "ring: writing clock is EPERM" err $R/clock 1 "not permitted"
check "ring: there is no saved_cmdlines" test ! -e $R/saved_cmdlines
# What a shell cannot do, done by the test sink's control file: a 0-byte read, an lseek.
load rtrace_sink_test >/dev/null
for f in trace trace_pipe per_cpu/cpu0/trace_pipe_raw; do
	echo "fileops $R/$f" >$DEBUGFS/rtrace_sink_test/control
	check "ring: $f: a 0-byte read returns 0 at once (non-blocking, empty), lseek is ESPIPE" dmesg_has "fileops $R/$f: read0=0 llseek=-29$"
done
unload rtrace_sink_test >/dev/null
# And from userspace (tests/user/readcheck.c): pread at an offset, a partly mapped buffer.
taskset -c 0 sh -c "echo 'emit switch 3' >$C"
for f in trace trace_pipe per_cpu/cpu0/trace_pipe_raw per_cpu/cpu0/snapshot_raw; do
	check_eq "ring: $f: pread is ESPIPE (with records there)" "pread=ESPIPE" "$(readcheck pread $R/$f)"
done
check_eq "ring: ... and consumed nothing" "3" "$(stat in_buffer)"
readcheck partial $R/trace_pipe 100 >/tmp/part.txt 2>/tmp/part.log
check_eq "ring: trace_pipe into a buffer of which 100 bytes are mapped returns those 100" "partial=100" "$(cat /tmp/part.log)"
check_eq "ring: ... and loses nothing: the three lines follow whole" "0 1 2" "$(sed -n 's/.*test:sched_switch: prev_comm=rtrace prev_pid=\([0-9]*\) prev_prio=.*/\1/p' /tmp/part.txt | tr '\n' ' ' | sed 's/ $//')"
taskset -c 0 sh -c "echo 'emit switch 3' >$C"
readcheck partial $R/per_cpu/cpu0/trace_pipe_raw 200 >/tmp/part.bin 2>/tmp/part.log
n=$(sed -n 's/^partial=//p' /tmp/part.log)
check "ring: trace_pipe_raw into a buffer of which 200 bytes are mapped returns the whole records that fit ($n)" test "$n" -gt 0 -a "$n" -le 200
check_eq "ring: ... and loses nothing: the three records, whole" "3" "$(raw_walk </tmp/part.bin | grep -c "^$id 56$")"
check_eq "ring: ... nothing torn" "" "$(raw_walk </tmp/part.bin | grep bad)"
check_eq "ring: ... all consumed" "0" "$(stat in_buffer)"

# Overflow: four threads on all CPUs into 16 KiB buffers, read while written; the serial port's
# interrupt handler writes irq:* records (through the bridge) into the same buffers, nesting
# inside the threads' reservations.
load rtrace_bridge >/dev/null
for mode in 0 1; do
	echo "!ring:*:*" >$SE 2>/dev/null
	echo 16 >$R/buffer_size_kb
	echo $mode >$R/overwrite
	echo "ring:test:sched_switch ring:irq:*" >$SE
	cat $R/trace_pipe >/tmp/storm.txt &
	reader=$!
	# Serial output keeps the UART's interrupt (irq 4) coming during the storm.
	rm -f /tmp/stop_ticks
	(while [ ! -e /tmp/stop_ticks ]; do echo tick >/dev/ttyS0; done) &
	ticker=$!
	echo "storm 20000" >$C
	touch /tmp/stop_ticks
	wait $ticker
	echo "!ring:*:*" >$SE
	n=0
	while [ "$(stat in_buffer)" != 0 ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
	sleep 0.3
	kill $reader
	wait $reader 2>/dev/null
	e=$(stat entries) r=$(stat read) l=$(stat lost) d=$(stat dropped) o=$(stat overrun)
	check "ring: overwrite=$mode: 80000 storm entries and interrupts' ($e)" test "$e" -gt 80000
	check_eq "ring: overwrite=$mode: entries = read + lost, exactly" "$e" "$((r + l))"
	check "ring: overwrite=$mode: some were lost (the load overflows)" test "$l" -gt 0
	if [ $mode = 0 ]; then check_eq "ring: discard mode only drops" "0" "$o"; else check "ring: overwrite mode overruns" test "$o" -gt 0; fi
	check_eq "ring: overwrite=$mode: trace_pipe showed every record read" "$r" "$(grep -Ec ': (test|irq):[a-z_]+: ' /tmp/storm.txt)"
	check "ring: overwrite=$mode: interrupts' records among them" grep -Eq ': irq:irq_handler_entry: irq=[0-9]+$' /tmp/storm.txt
	lostsum=$(sed -n 's/^CPU:[0-9]* \[LOST \([0-9]*\) EVENTS\]$/\1/p' /tmp/storm.txt | awk '{s+=$1} END {print s+0}')
	check_eq "ring: overwrite=$mode: LOST lines add up to lost" "$l" "$lostsum"
	torn=$(grep test:sched_switch /tmp/storm.txt | grep -Evc 'prev_comm=storm prev_pid=([0-9]+) prev_prio=([0-3]) prev_state=\1 next_comm=storm next_pid=\1 next_prio=\2$')
	check_eq "ring: overwrite=$mode: no torn record" 0 "$torn"
	echo 1 >$R/reset
done
echo 0 >$R/overwrite
echo "!ring:*:*" >$SE 2>/dev/null
echo 1024 >$R/buffer_size_kb
unload rtrace_bridge >/dev/null
check_eq "ring: reset empties and zeroes" "0 0" "$(stat entries) $(stat in_buffer)"

# A reset empties the buffers in place: the tracer's vmalloc areas (one per CPU, 1024 KiB and a
# guard page each) are the same before and after, where a new set would take new ones.
areas() { awk -v s=$((1024 * 1024 + 4096)) '$2 == s { print $1 }' /proc/vmallocinfo | sort; }
before=$(areas)
echo ring:test:sched_switch >$SE
echo "emit switch 5" >$C
echo "!ring:test:sched_switch" >$SE
check "ring: one vmalloc area per CPU for the buffers" test "$(echo "$before" | grep -c .)" -ge "$(ls $R/per_cpu | wc -l)"
echo 1 >$R/reset
check_eq "ring: reset empties the buffers" "0 0" "$(stat entries) $(stat in_buffer)"
check_eq "ring: ... in place (the same vmalloc areas)" "$before" "$(areas)"
echo ring:test:sched_switch >$SE
echo "emit switch 4" >$C
echo "!ring:test:sched_switch" >$SE
drain /tmp/pipe.txt
check_eq "ring: ... and records again from their start" "0 1 2 3" "$(sed -n 's/.*prev_pid=\([0-9]*\) .*/\1/p' /tmp/pipe.txt | tr '\n' ' ' | sed 's/ $//')"

# The statistics sink counts what the tracer records, in the same run.
load rtrace_stats >/dev/null
echo 1 >$R/reset
echo "ring:test:sched_switch stats:test:sched_switch" >$SE
echo "storm 3000" >$C
echo "emit switch 77" >$C
echo "!*:test:sched_switch" >$SE
check_eq "ring: stats counts what the tracer counts (entries)" "$(stat entries)" "$(sed -n 's/^test:sched_switch \([0-9]*\) .*/\1/p' $RT_STATS/counts)"
check_eq "ring: ... 12077 records" 12077 "$(stat entries)"
unload rtrace_stats >/dev/null
echo 1 >$R/reset

# A flight recorder: overwrite without a reader keeps the newest records.
echo 16 >$R/buffer_size_kb
echo 1 >$R/overwrite
echo ring:test:sched_switch >$SE
echo "emit switch 2000" >$C
echo "!ring:test:sched_switch" >$SE
check "ring: overwrite keeps the newest record" sh -c "grep -q 'prev_pid=1999 ' $R/trace"
check_eq "ring: ... and counts the overwritten" "2000" "$(($(stat overrun) + $(stat in_buffer)))"
# snapshot_raw: the flight recorder read without consuming, twice the same.
n=$(stat in_buffer)
cat $R/per_cpu/cpu*/snapshot_raw >/tmp/snap1.bin
cat $R/per_cpu/cpu*/snapshot_raw >/tmp/snap2.bin
check "ring: snapshot_raw twice gives the same bytes" cmp -s /tmp/snap1.bin /tmp/snap2.bin
raw_walk </tmp/snap1.bin >/tmp/snap1.txt
check_eq "ring: ... every record in the buffer ($n)" "$n" "$(grep -c "^$id 56$" /tmp/snap1.txt)"
check_eq "ring: ... whole records, no lost notice (nothing was overwritten while it read)" "" "$(grep -E '^(0 |bad)' /tmp/snap1.txt)"
check_eq "ring: ... consuming nothing" "0 $n" "$(stat read) $(stat in_buffer)"
drain /tmp/pipe.txt
check_eq "ring: trace_pipe reads them afterwards" "$n" "$(grep -c test:sched_switch /tmp/pipe.txt)"
check "ring: ... the newest among them" grep -q 'prev_pid=1999 ' /tmp/pipe.txt
check_eq "ring: snapshot_raw of an empty buffer is empty" "0" "$(cat $R/per_cpu/cpu*/snapshot_raw | wc -c)"
# Overwritten while open: what it could not show is a lost notice of exactly that many.
echo ring:test:sched_switch >$SE
taskset -c 0 sh -c "echo 'emit switch 100' >$C"
exec 3<$R/per_cpu/cpu0/snapshot_raw
taskset -c 0 sh -c "echo 'emit switch 2000' >$C"
echo "!ring:test:sched_switch" >$SE
cat <&3 >/tmp/snap3.bin
exec 3<&-
check_eq "ring: snapshot_raw overwritten while open gives one lost notice" "0 16" "$(raw_walk </tmp/snap3.bin)"
check_eq "ring: ... of the 100 records it had to show" "100" "$(od -An -tu8 -j8 -N8 /tmp/snap3.bin | tr -d ' ')"
echo 0 >$R/overwrite
echo 1024 >$R/buffer_size_kb

# Unloaded while events flow.
echo ring:test:sched_switch >$SE
(echo "storm 50000" >$C) &
storm=$!
sleep 0.5
check "ring: rmmod while a storm writes" unload rtrace_ring
wait $storm
check_eq "ring: the connection stays armed, pending" "ring:test:sched_switch pending" "$(cat $SE)"
check "ring: reloads" load rtrace_ring
echo "emit switch 1" >$C
check "ring: the armed connection feeds the new tracer" grep -q "prev_pid=0 " $R/trace
unload_all() { echo '!ring:*:*' >$SE && unload rtrace_marker_test && unload rtrace_ring && unload rtrace_marker && unload rtrace_tracepoint; }
check "ring: rmmod everything" unload_all
