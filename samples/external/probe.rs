// SPDX-License-Identifier: GPL-2.0

//! The sensor driver's probe module: its tracepoints (sensor_trace.rs) turned into the
//! `sensor:reading` and `sensor:alarm` markers, which any rtrace sink can record.

use core::sync::atomic::{AtomicU64, Ordering};

use kernel::prelude::*;

#[path = "rtrace/rtrace.rs"]
mod rtrace;

pub mod sensor_trace;

use rtrace::marker::Markers;
use sensor_trace::*;

module! {
    type: SensorMarkers,
    name: "sensor_markers",
    author: "rtrace developers",
    description: "rtrace external sample: the sensor's tracepoints as markers",
    license: "GPL",
}

crate::marker! {
    /// A channel of the sensor was read.
    pub sensor:reading {
        channel: u32,
        millicelsius: i32,
    }

    /// A reading was above its channel's threshold, by `excess` millidegrees.
    pub sensor:alarm {
        channel: u32,
        millicelsius: i32,
        excess: i32,
    }
}

/// What the probes count: the readings they saw, whether a sink listened or not.
struct Probes {
    readings: AtomicU64,
}

static PROBES: Probes = Probes {
    readings: AtomicU64::new(0),
};

fn on_reading(probes: &Probes, reading: &Reading) {
    probes.readings.fetch_add(1, Ordering::Relaxed);
    emit_sensor_reading(reading.channel, reading.millicelsius);
}

fn on_alarm(_: &Probes, reading: &Reading, threshold: i32) {
    // Work done only for a marker that a sink listens to.
    if !enabled_sensor_alarm() {
        return;
    }
    let excess = reading.millicelsius.saturating_sub(threshold);
    emit_sensor_alarm(reading.channel, reading.millicelsius, excess);
}

struct SensorMarkers {
    _markers: Markers,
}

impl kernel::Module for SensorMarkers {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let markers = crate::register_markers!(sensor:reading, sensor:alarm)?;
        // The driver need not be loaded: the probes connect when it defines its tracepoints.
        register_trace_sensor_reading(on_reading, &PROBES)?;
        if let Err(e) = register_trace_sensor_alarm(on_alarm, &PROBES) {
            let _ = unregister_trace_sensor_reading(on_reading, &PROBES);
            rtrace::tracepoint::synchronize_unregister();
            return Err(e);
        }
        Ok(Self { _markers: markers })
    }
}

impl Drop for SensorMarkers {
    fn drop(&mut self) {
        // The probes go, and no CPU runs them any more, before the markers they emit.
        let _ = unregister_trace_sensor_reading(on_reading, &PROBES);
        let _ = unregister_trace_sensor_alarm(on_alarm, &PROBES);
        rtrace::tracepoint::synchronize_unregister();
        pr_info!("saw {} readings\n", PROBES.readings.load(Ordering::Relaxed));
    }
}
