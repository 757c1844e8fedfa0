// SPDX-License-Identifier: GPL-2.0

//! rtrace_tp_test: drives the tracepoint core for the in-VM tests (tests/vm/tracepoint.t).
//!
//! Defines the tracepoint `tp_test(seq, thread)` and connects up to eight test probes to it on
//! command. Probe `i` is `probe_even` for even `i` and `probe_odd` for odd `i`, each given
//! `PROBES[i]` as data, and each counts a *mismatch* when called with the other parity's data:
//! a site that ever paired a function with a stale data pointer would show it.
//!
//! `/sys/kernel/debug/rtrace_tp_test/control` takes one command per write:
//!
//! - `register ID PRIO`, `unregister ID`: the core's answer is the write's error;
//! - `nomem N register ID PRIO`, `nomem N unregister ID`: the same, with the `N`-th allocation
//!   of the call failing (the kernel's `fail_nth`, which `/proc/thread-self/fail-nth` sets; needs
//!   failslab with `ignore-gfp-wait` off);
//! - `swap A B`: unregisters probe A and registers probe B at the default priority at once (a
//!   1 -> 0 -> 1 sequence when A was the only probe);
//! - `fire N`: fires N times from the writer, recording the call order of the probes;
//! - `hardirq N`, `softirq N`: fires N times from an hrtimer callback, in hard or soft interrupt
//!   context;
//! - `storm start|stop`: threads that fire continuously, one per CPU;
//! - `churn N`: N times, registers one random probe (0-5) at a random priority and unregisters
//!   another, then unregisters what is left;
//! - `reset`: zeroes the counters;
//! - `forget`: the module's exit leaves its probes registered, as a buggy probe module would, for
//!   the core's module notifier to disconnect.
//!
//! `stats` shows `fired`, `mismatches`, per-probe `hits`, the `order` of the last `fire`, where the
//! tracepoint's static `call` goes (`iterator`, `stub`, `probe_even`, `probe_odd`, or `none`
//! without static calls), the functions of the published `array`, and `gp`: whether a full RCU grace period passed during the last
//! `register`, `unregister` or `swap` (1), or not yet when it returned (0).

use core::ffi::{c_char, c_int, c_void};
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use kernel::bindings;
use kernel::prelude::*;
use kernel::types::Opaque;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

mod tp_test_trace;

use rtrace::kernel::debugfs::{Dir, SeqFile};
use rtrace::kernel::kthread::{Current, Thread, ThreadMain};
use rtrace::tracepoint::{synchronize_unregister, Definitions};
use tp_test_trace::*;

module! {
    type: TpTest,
    name: "rtrace_tp_test",
    author: "rtrace developers",
    description: "rtrace tracepoint core test driver",
    license: "GPL",
}

const PROBES_N: usize = 8;
const CHURN_PROBES: u32 = 6;
const STORM_THREADS: usize = 4;

struct ProbeData {
    id: usize,
    hits: AtomicU64,
    registered: AtomicBool,
}

const fn probe_data(id: usize) -> ProbeData {
    ProbeData {
        id,
        hits: AtomicU64::new(0),
        registered: AtomicBool::new(false),
    }
}

static PROBES: [ProbeData; PROBES_N] = [
    probe_data(0),
    probe_data(1),
    probe_data(2),
    probe_data(3),
    probe_data(4),
    probe_data(5),
    probe_data(6),
    probe_data(7),
];

static FIRED: AtomicU64 = AtomicU64::new(0);
static MISMATCHES: AtomicU64 = AtomicU64::new(0);
static RECORD: AtomicBool = AtomicBool::new(false);
static FORGET: AtomicBool = AtomicBool::new(false);
static ORDER_LEN: AtomicUsize = AtomicUsize::new(0);
static ORDER: [AtomicUsize; PROBES_N] = [const { AtomicUsize::new(0) }; PROBES_N];

fn hit(data: &ProbeData, parity: usize) {
    if data.id % 2 != parity {
        MISMATCHES.fetch_add(1, Ordering::Relaxed);
    }
    data.hits.fetch_add(1, Ordering::Relaxed);
    if RECORD.load(Ordering::Relaxed) {
        let i = ORDER_LEN.fetch_add(1, Ordering::Relaxed);
        if i < PROBES_N {
            ORDER[i].store(data.id, Ordering::Relaxed);
        }
    }
}

fn probe_even(data: &ProbeData, _seq: u64, _thread: u32) {
    hit(data, 0);
}

fn probe_odd(data: &ProbeData, _seq: u64, _thread: u32) {
    hit(data, 1);
}

// Exported by kernel/rcu/tree.c (GPL); absent from the 6.12 bindings.
extern "C" {
    fn get_state_synchronize_rcu() -> core::ffi::c_ulong;
    fn poll_state_synchronize_rcu(oldstate: core::ffi::c_ulong) -> bool;
}

/// Whether a grace period passed during the last command that changed the probes.
static GRACE_PERIOD: AtomicBool = AtomicBool::new(false);

/// Runs `op`, recording in `GRACE_PERIOD` whether a full grace period passed meanwhile.
fn timed(op: impl FnOnce() -> Result) -> Result {
    // SAFETY: no precondition.
    let cookie = unsafe { get_state_synchronize_rcu() };
    let result = op();
    // SAFETY: `cookie` came from `get_state_synchronize_rcu`.
    let passed = unsafe { poll_state_synchronize_rcu(cookie) };
    GRACE_PERIOD.store(passed, Ordering::Relaxed);
    result
}

/// Runs `op` with the `n`-th allocation of this task failing (fault injection's `fail_nth`).
#[cfg(CONFIG_FAULT_INJECTION)]
fn failing_nth(n: u32, op: impl FnOnce() -> Result) -> Result {
    let task = rtrace::kernel::percpu::current();
    // SAFETY: `task` is the running task, alive while it runs this; `fail_nth` is an `unsigned
    // int` only used by the task itself (`should_fail_ex()` reads and decrements it with
    // `READ_ONCE`/`WRITE_ONCE`) and by writes to its /proc file, which this write is not.
    let fail_nth = unsafe { core::ptr::addr_of_mut!((*task).fail_nth) };
    // SAFETY: as above.
    unsafe { fail_nth.write_volatile(n) };
    let result = op();
    // SAFETY: as above; no allocation is made to fail after `op`.
    unsafe { fail_nth.write_volatile(0) };
    result
}

/// Without fault injection (the bench kernel), `nomem` is not supported.
#[cfg(not(CONFIG_FAULT_INJECTION))]
fn failing_nth(_n: u32, _op: impl FnOnce() -> Result) -> Result {
    Err(ENOTSUPP)
}

/// What `func`, a function of `tp_test`'s, is.
fn function_name(func: *const c_void) -> &'static str {
    let tp = &__tracepoint_tp_test;
    match func {
        f if f == tp.iterator() => "iterator",
        f if f == tp.stub() => "stub",
        f if f == probe_even as *const c_void => "probe_even",
        f if f == probe_odd as *const c_void => "probe_odd",
        _ => "?",
    }
}

/// Where the static call of `tp_test` goes.
fn call_target() -> &'static str {
    __tracepoint_tp_test
        .static_call_target()
        .map_or("none", function_name)
}

fn register(id: usize, prio: i32) -> Result {
    let data = PROBES.get(id).ok_or(EINVAL)?;
    if id % 2 == 0 {
        register_trace_prio_tp_test(probe_even, data, prio)?;
    } else {
        register_trace_prio_tp_test(probe_odd, data, prio)?;
    }
    data.registered.store(true, Ordering::Relaxed);
    Ok(())
}

fn unregister(id: usize) -> Result {
    let data = PROBES.get(id).ok_or(EINVAL)?;
    if id % 2 == 0 {
        unregister_trace_tp_test(probe_even, data)?;
    } else {
        unregister_trace_tp_test(probe_odd, data)?;
    }
    data.registered.store(false, Ordering::Relaxed);
    Ok(())
}

fn random(n: u32) -> u32 {
    // SAFETY: `get_random_u32` has no precondition.
    let r = unsafe { bindings::get_random_u32() };
    r % n
}

fn churn(rounds: u32) -> Result {
    for _ in 0..rounds {
        let id = random(CHURN_PROBES) as usize;
        if !PROBES[id].registered.load(Ordering::Relaxed) {
            register(id, random(11) as i32 - 5)?;
        }
        let other = random(CHURN_PROBES) as usize;
        if other != id && PROBES[other].registered.load(Ordering::Relaxed) {
            unregister(other)?;
        }
    }
    for p in PROBES.iter().take(CHURN_PROBES as usize) {
        if p.registered.load(Ordering::Relaxed) {
            unregister(p.id)?;
        }
    }
    Ok(())
}

fn fire(n: u64) {
    ORDER_LEN.store(0, Ordering::Relaxed);
    RECORD.store(true, Ordering::Relaxed);
    for _ in 0..n {
        trace_tp_test(FIRED.fetch_add(1, Ordering::Relaxed), u32::MAX);
    }
    RECORD.store(false, Ordering::Relaxed);
}

/// An hrtimer that fires the tracepoint from interrupt context.
struct Timer(Opaque<bindings::hrtimer>);

// SAFETY: the hrtimer is only touched through the hrtimer API, which serialises with its own
// per-base lock.
unsafe impl Sync for Timer {}

static HARDIRQ_TIMER: Timer = Timer(Opaque::uninit());
static SOFTIRQ_TIMER: Timer = Timer(Opaque::uninit());
static TIMER_PENDING: AtomicBool = AtomicBool::new(false);

/// # Safety
///
/// Called by the hrtimer core for one of the timers above.
unsafe extern "C" fn timer_fire(_timer: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
    trace_tp_test(FIRED.fetch_add(1, Ordering::Relaxed), u32::MAX - 1);
    TIMER_PENDING.store(false, Ordering::Release);
    bindings::hrtimer_restart_HRTIMER_NORESTART
}

impl Timer {
    fn init(&self, mode: bindings::hrtimer_mode) {
        // SAFETY: the timer is static, initialised here once before any use, and `function` is
        // set before it can be started.
        unsafe {
            bindings::hrtimer_init(self.0.get(), bindings::CLOCK_MONOTONIC as _, mode);
            (*self.0.get()).function = Some(timer_fire);
        }
    }

    /// Fires the tracepoint `n` times from the timer, one expiry at a time.
    fn run(&self, n: u32, mode: bindings::hrtimer_mode) -> Result {
        for _ in 0..n {
            TIMER_PENDING.store(true, Ordering::Release);
            // SAFETY: the timer was initialised by `init` and is not running (the previous
            // expiry cleared `TIMER_PENDING`, its last action).
            unsafe { bindings::hrtimer_start_range_ns(self.0.get(), 10_000, 0, mode) };
            let mut waited = 0;
            while TIMER_PENDING.load(Ordering::Acquire) {
                if waited == 1000 {
                    self.cancel();
                    return Err(EBUSY);
                }
                // SAFETY: process context (a control write).
                unsafe { bindings::msleep(1) };
                waited += 1;
            }
        }
        Ok(())
    }

    fn cancel(&self) {
        // SAFETY: initialised by `init`; waits for a running callback.
        unsafe { bindings::hrtimer_cancel(self.0.get()) };
    }
}

/// A storm thread: fires until stopped.
struct Stormer {
    index: u32,
}

static STORMERS: [Stormer; STORM_THREADS] = [
    Stormer { index: 0 },
    Stormer { index: 1 },
    Stormer { index: 2 },
    Stormer { index: 3 },
];

impl ThreadMain for Stormer {
    fn main(&self, current: &Current) {
        while !current.should_stop() {
            // Counted before firing: when the threads are stopped, `fired` is exact.
            trace_tp_test(FIRED.fetch_add(1, Ordering::Relaxed), self.index);
        }
    }
}

/// State changed only by one control write at a time (see `Busy`).
struct Control {
    storm: Option<KVec<Thread>>,
}

struct Shared(core::cell::UnsafeCell<Control>);
// SAFETY: only accessed by the holder of `BUSY` (and by module exit, when no write can run).
unsafe impl Sync for Shared {}
static CONTROL: Shared = Shared(core::cell::UnsafeCell::new(Control { storm: None }));
static BUSY: AtomicBool = AtomicBool::new(false);

fn storm(on: bool) -> Result {
    // SAFETY: the caller holds `BUSY`, so this is the only access.
    let control = unsafe { &mut *CONTROL.0.get() };
    if on {
        if control.storm.is_some() {
            return Err(EBUSY);
        }
        let mut threads = KVec::with_capacity(STORM_THREADS, GFP_KERNEL)?;
        for s in STORMERS.iter() {
            // SAFETY: the thread goes into `CONTROL.storm`, dropped by `storm off` or by the
            // module's exit, or right away if this fails.
            let thread = unsafe { Thread::run(s, c"rtrace_tp_storm") }?;
            threads.push(thread, GFP_KERNEL)?;
        }
        control.storm = Some(threads);
    } else {
        // Dropping the threads stops them and waits for them.
        control.storm.take().ok_or(EINVAL)?;
    }
    Ok(())
}

fn number<T: core::str::FromStr>(word: Option<&str>) -> Result<T> {
    word.and_then(|w| w.parse().ok()).ok_or(EINVAL)
}

fn command(text: &str) -> Result {
    let mut words = text.split_whitespace();
    match words.next() {
        Some("register") => {
            let (id, prio) = (number(words.next())?, number(words.next())?);
            timed(|| register(id, prio))
        }
        Some("unregister") => {
            let id = number(words.next())?;
            timed(|| unregister(id))
        }
        Some("nomem") => {
            let n = number(words.next())?;
            match words.next() {
                Some("register") => {
                    let (id, prio) = (number(words.next())?, number(words.next())?);
                    failing_nth(n, || register(id, prio))
                }
                Some("unregister") => {
                    let id = number(words.next())?;
                    failing_nth(n, || unregister(id))
                }
                _ => Err(EINVAL),
            }
        }
        Some("swap") => {
            let (a, b) = (number(words.next())?, number(words.next())?);
            timed(|| {
                unregister(a)?;
                register(b, rtrace::tracepoint::probe_array::DEFAULT_PRIO)
            })
        }
        Some("fire") => {
            fire(number(words.next())?);
            Ok(())
        }
        Some("hardirq") => HARDIRQ_TIMER.run(
            number(words.next())?,
            bindings::hrtimer_mode_HRTIMER_MODE_REL,
        ),
        Some("softirq") => SOFTIRQ_TIMER.run(
            number(words.next())?,
            bindings::hrtimer_mode_HRTIMER_MODE_REL_SOFT,
        ),
        Some("storm") => match words.next() {
            Some("start") => storm(true),
            Some("stop") => storm(false),
            _ => Err(EINVAL),
        },
        Some("churn") => churn(number(words.next())?),
        Some("forget") => {
            FORGET.store(true, Ordering::Relaxed);
            Ok(())
        }
        Some("reset") => {
            FIRED.store(0, Ordering::Relaxed);
            MISMATCHES.store(0, Ordering::Relaxed);
            for p in PROBES.iter() {
                p.hits.store(0, Ordering::Relaxed);
            }
            Ok(())
        }
        _ => Err(EINVAL),
    }
}

#[no_mangle]
extern "C" fn rtrace_tp_test_control_write(
    _file: *mut bindings::file,
    buf: *const c_char,
    len: usize,
    _ppos: *mut bindings::loff_t,
) -> isize {
    rtrace::kernel::debugfs::control_write(buf, len, |text| {
        if BUSY.swap(true, Ordering::Acquire) {
            return Err(EBUSY);
        }
        let result = command(text);
        BUSY.store(false, Ordering::Release);
        result
    })
}

#[no_mangle]
extern "C" fn rtrace_tp_test_stats_show(m: *mut bindings::seq_file, _v: *mut c_void) -> c_int {
    // SAFETY: `m` is the seq_file of this show callback, used only during it.
    let mut out = unsafe { SeqFile::from_raw(m) };
    let _ = writeln!(out, "fired={}", FIRED.load(Ordering::Relaxed));
    let _ = writeln!(out, "mismatches={}", MISMATCHES.load(Ordering::Relaxed));
    let _ = write!(out, "hits=");
    for (i, p) in PROBES.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(out, "{sep}{}", p.hits.load(Ordering::Relaxed));
    }
    let _ = write!(out, "\norder=");
    let n = ORDER_LEN.load(Ordering::Relaxed).min(PROBES_N);
    for (i, o) in ORDER.iter().take(n).enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(out, "{sep}{}", o.load(Ordering::Relaxed));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "call={}", call_target());
    let _ = write!(out, "array=");
    let rcu = rtrace::kernel::rcu::ReadGuard::new();
    let mut sep = "";
    __tracepoint_tp_test.for_each_probe(&rcu, |func, _| {
        let _ = write!(out, "{sep}{}", function_name(func));
        sep = ",";
    });
    drop(rcu);
    let _ = writeln!(out);
    let _ = writeln!(out, "gp={}", u8::from(GRACE_PERIOD.load(Ordering::Relaxed)));
    0
}

// The dentry pointers are opaque here, never dereferenced.
#[allow(improper_ctypes)]
extern "C" {
    fn rtrace_tp_test_create_files(dir: *mut bindings::dentry) -> *mut bindings::dentry;
}

struct TpTest {
    dir: Option<Dir>,
    _tracepoints: Definitions,
}

impl kernel::Module for TpTest {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let tracepoints = crate::define_tracepoints!(tp_test, tp_task)?;
        HARDIRQ_TIMER.init(bindings::hrtimer_mode_HRTIMER_MODE_REL);
        SOFTIRQ_TIMER.init(bindings::hrtimer_mode_HRTIMER_MODE_REL_SOFT);
        let dir = Dir::new(c"rtrace_tp_test", None)?;
        // SAFETY: `dir` is a live debugfs directory; the files go with it.
        kernel::error::from_err_ptr(unsafe { rtrace_tp_test_create_files(dir.as_ptr()) })?;
        Ok(Self {
            dir: Some(dir),
            _tracepoints: tracepoints,
        })
    }
}

impl Drop for TpTest {
    fn drop(&mut self) {
        // No control write runs once the files are gone (removal waits for them).
        drop(self.dir.take());
        // SAFETY: no write can run any more, so this is the only access.
        drop(unsafe { &mut *CONTROL.0.get() }.storm.take());
        HARDIRQ_TIMER.cancel();
        SOFTIRQ_TIMER.cancel();
        for p in PROBES.iter() {
            if p.registered.load(Ordering::Relaxed) && !FORGET.load(Ordering::Relaxed) {
                let _ = unregister(p.id);
            }
        }
        synchronize_unregister();
    }
}
