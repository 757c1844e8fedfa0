// SPDX-License-Identifier: GPL-2.0

//! Must not compile: a sink implemented as a safe trait, as rtrace allowed before `Sink` became an
//! `unsafe trait`. Its `reserve` returns a pointer to one byte for a record of any length, which
//! the marker core would write `len` bytes into.
//!
//! expect: error\[E0200\]

use core::ptr::NonNull;
use core::sync::atomic::{AtomicU8, Ordering};

use kernel::prelude::*;

#[path = "../../rust/rtrace.rs"]
mod rtrace;

use rtrace::abi::RawSink;
use rtrace::sink::{self, Registration, Sink};

module! {
    type: Bad,
    name: "safe_sink",
    license: "GPL",
}

struct OneByte(AtomicU8);

impl Sink for OneByte {
    fn reserve(&self, _id: u32, _len: usize) -> Option<NonNull<u8>> {
        NonNull::new(self.0.as_ptr())
    }

    fn commit(&self, _record: NonNull<u8>) {
        self.0.store(0, Ordering::Relaxed);
    }
}

static SINK: OneByte = OneByte(AtomicU8::new(0));
static RAW: RawSink = sink::raw_sink(c"bad", &SINK);

struct Bad(#[allow(dead_code)] Registration);

impl kernel::Module for Bad {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Bad(Registration::new(&RAW, &crate::THIS_MODULE)?))
    }
}
