// SPDX-License-Identifier: MIT
//! The device model as a client of the input domain: follows the
//! channel's epochs, takes its events and hands each to the emulated input
//! devices that want it. Test boards' keys are taken here: `crash=` panics,
//! `reboot=` restarts the target (`DmRemoteShutdown`); neither reaches the
//! target.
//!
//! Owns the input channel; must not touch the devices' queues (the loop
//! flushes them) nor the target's interrupt lines.

use crate::emulated::{Emulated, Model};
use bulkhead_input::channel::{HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_input::{Event, Features, MultiTouch};
use bulkhead_input_client::{InputClient, Received};
use bulkhead_ring_hal::SharedWindow;
use core::fmt::Write;
use domain_rt::caps::ChannelEnd;
use domain_rt::{Console, dm};

/// What the device model asks the input domain for.
const WANTED: Features = Features {
    keyboard: true,
    pointer: true,
    abs_pointer: true,
    raw_pointer: false,
    multi_touch: Some(MultiTouch { contacts: 10, width: u32::MAX, height: u32::MAX }),
};

/// The input channel and the test keys.
pub struct InputSide {
    end: ChannelEnd,
    client: InputClient<&'static SharedWindow>,
    crash_key: Option<u16>,
    reboot_key: Option<u16>,
}

impl InputSide {
    /// Connects over `end` (the window lives as long as the domain).
    pub fn connect(end: ChannelEnd, crash_key: Option<u16>, reboot_key: Option<u16>) -> Option<Self> {
        let (link, _) = crate::backend::link(&end, HELLO, TO_BACKEND, TO_CLIENT)?;
        let client = InputClient::new(link, WANTED);
        end.notify();
        Some(Self { end, client, crash_key, reboot_key })
    }

    /// Takes every event waiting and pushes it to the devices that want it
    /// (`target`: the slot that restarts the target on the reboot key).
    pub fn pump(&mut self, devices: &mut [Emulated], target: u64, name: &str) {
        if let Ok(true) = self.client.follow(self.end.epoch()) {
            let _ = writeln!(Console, "devmodel: input domain restarted: reconnecting in epoch {}", self.end.epoch());
        }
        loop {
            match self.client.next_event() {
                Ok(Some(Received::Connected { .. })) => {
                    let _ = writeln!(Console, "devmodel: input domain connected");
                }
                Ok(Some(Received::Event(event))) => {
                    if let Event::Key { code, pressed } = event {
                        if pressed && self.crash_key == Some(code) {
                            panic!("crash requested with key {code}");
                        }
                        if self.reboot_key == Some(code) {
                            if pressed {
                                let status = dm::remote_shutdown(target, true);
                                let _ = writeln!(Console, "devmodel: restarting {name} (key {code}): {status:#x}");
                            }
                            continue;
                        }
                    }
                    for d in devices.iter_mut() {
                        if let Model::Input(input) = &mut d.model
                            && input.device().wants(&event)
                        {
                            // A full queue counts the event as dropped (the
                            // device's `dropped`): the target is not taking them.
                            let _ = input.device().push(&event);
                        }
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        if self.client.take_doorbell() {
            self.end.notify();
        }
    }
}
