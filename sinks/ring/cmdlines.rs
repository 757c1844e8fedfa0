// SPDX-License-Identifier: GPL-2.0

//! The names of the tasks that wrote records (ftrace's `saved_cmdlines`): records carry a pid,
//! and the text readers show `comm-pid`.
//!
//! Each CPU keeps its own small table, written only by that CPU's writers, indexed by the pid's
//! low bits: a writer stores its task's name when the slot holds another pid or another name.
//! A slot is overwritten by the next task whose pid shares its index, so the name of a task seen
//! long ago may be gone (shown as `<...>`, as ftrace does). An interrupt that nests between a
//! slot's updates may leave it mixed; the pid is stored last, so a reader sees at worst a stale
//! name for that pid.

use core::sync::atomic::{AtomicI32, AtomicU64, Ordering};

use kernel::bindings;

/// Slots per CPU (a power of two).
const SLOTS: usize = 128;

struct Slot {
    pid: AtomicI32,
    comm: [AtomicU64; 2],
}

/// One CPU's table.
pub(crate) struct Cmdlines {
    slots: [Slot; SLOTS],
}

impl Cmdlines {
    pub(crate) const fn new() -> Self {
        Self {
            slots: [const {
                Slot {
                    pid: AtomicI32::new(-1),
                    comm: [AtomicU64::new(0), AtomicU64::new(0)],
                }
            }; SLOTS],
        }
    }

    /// Notes `task`'s name for `pid` (its pid); called by this CPU's writers.
    pub(crate) fn save(&self, pid: i32, task: &bindings::task_struct) {
        // `comm` may be rewritten concurrently (`set_task_comm()`): a volatile copy gets the old
        // name, the new one, or a mix, as ftrace's `memcpy()` does.
        // SAFETY: `task` is a live task (borrowed); `comm` is 16 bytes inside it.
        let comm: [u8; 16] = unsafe { core::ptr::read_volatile(core::ptr::addr_of!(task.comm)) };
        let words = [
            u64::from_ne_bytes([
                comm[0], comm[1], comm[2], comm[3], comm[4], comm[5], comm[6], comm[7],
            ]),
            u64::from_ne_bytes([
                comm[8], comm[9], comm[10], comm[11], comm[12], comm[13], comm[14], comm[15],
            ]),
        ];
        let slot = &self.slots[pid as usize & (SLOTS - 1)];
        if slot.pid.load(Ordering::Relaxed) == pid
            && slot.comm[0].load(Ordering::Relaxed) == words[0]
            && slot.comm[1].load(Ordering::Relaxed) == words[1]
        {
            return;
        }
        slot.pid.store(-1, Ordering::Relaxed);
        slot.comm[0].store(words[0], Ordering::Relaxed);
        slot.comm[1].store(words[1], Ordering::Relaxed);
        slot.pid.store(pid, Ordering::Release);
    }

    /// The name noted for `pid`, NUL-padded, if this table has it.
    pub(crate) fn find(&self, pid: i32) -> Option<[u8; 16]> {
        let slot = &self.slots[pid as usize & (SLOTS - 1)];
        if slot.pid.load(Ordering::Acquire) != pid {
            return None;
        }
        let mut comm = [0u8; 16];
        comm[..8].copy_from_slice(&slot.comm[0].load(Ordering::Relaxed).to_ne_bytes());
        comm[8..].copy_from_slice(&slot.comm[1].load(Ordering::Relaxed).to_ne_bytes());
        // A writer that took the slot for another pid meanwhile: not this pid's name.
        core::sync::atomic::fence(Ordering::Acquire);
        if slot.pid.load(Ordering::Relaxed) != pid {
            return None;
        }
        Some(comm)
    }

    /// Every noted `(pid, comm)`.
    pub(crate) fn each(&self, mut f: impl FnMut(i32, [u8; 16])) {
        for slot in &self.slots {
            let pid = slot.pid.load(Ordering::Acquire);
            if pid >= 0 {
                if let Some(comm) = self.find(pid) {
                    f(pid, comm);
                }
            }
        }
    }
}
