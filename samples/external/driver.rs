// SPDX-License-Identifier: GPL-2.0

//! A simulated two-channel thermal sensor: the driver that rtrace's guide instruments
//! (Documentation/instrumenting.rst).
//!
//! At load it takes [`READINGS`] readings, alternating between the channels, with values that
//! follow a fixed rule so that a test can check every traced value: reading `i` of channel
//! `i % 2` is `20000 + 1500 * i` millidegrees. Each reading fires `trace_sensor_reading`, and a
//! reading above [`THRESHOLD`] fires `trace_sensor_alarm` too.

use kernel::prelude::*;

#[path = "rtrace/rtrace.rs"]
mod rtrace;

pub mod sensor_trace;

use rtrace::tracepoint::Definitions;
use sensor_trace::*;

module! {
    type: Sensor,
    name: "sensor",
    author: "rtrace developers",
    description: "rtrace external sample: a simulated thermal sensor with tracepoints",
    license: "GPL",
}

/// Readings taken at load.
const READINGS: u32 = 8;

/// Readings above this many millidegrees fire `sensor_alarm`.
const THRESHOLD: i32 = 28000;

/// Reads channel `index % 2` for the `index`-th time (the simulated hardware).
fn read(index: u32) -> Reading {
    Reading {
        channel: index % 2,
        // At most 20000 + 1500 * 7: no overflow.
        millicelsius: 20000 + 1500 * index as i32,
    }
}

struct Sensor {
    _tracepoints: Definitions,
}

impl kernel::Module for Sensor {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let tracepoints = crate::define_tracepoints!(sensor_reading, sensor_alarm)?;
        let mut alarms = 0;
        for i in 0..READINGS {
            let reading = read(i);
            trace_sensor_reading(&reading);
            if reading.millicelsius > THRESHOLD {
                trace_sensor_alarm(&reading, THRESHOLD);
                alarms += 1;
            }
        }
        pr_info!("took {} readings, {} alarms\n", READINGS, alarms);
        Ok(Sensor {
            _tracepoints: tracepoints,
        })
    }
}
