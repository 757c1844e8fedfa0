// SPDX-License-Identifier: GPL-2.0

//! The sensor driver's tracepoints: the declaration shared by the driver (driver.rs), which fires
//! them, and by every probe module (probe.rs), as C shares `include/trace/events/*.h`.
//!
//! Both crate roots include this file as `pub mod sensor_trace;`, so that the type below can be
//! plain `pub` (a private `mod` would make the kernel's `unreachable_pub` lint fail the build).

/// One reading of one channel of the sensor.
#[derive(Clone, Copy)]
pub struct Reading {
    /// The channel read, from 0.
    pub channel: u32,
    /// The temperature, in thousandths of a degree Celsius.
    pub millicelsius: i32,
}

crate::tracepoint! {
    /// The driver read a channel.
    pub fn sensor_reading(reading: &Reading);

    /// A reading was above the channel's threshold.
    pub fn sensor_alarm(reading: &Reading, threshold: i32);
}
