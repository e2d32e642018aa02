// SPDX-License-Identifier: MIT
//! The test rig: the backend's logic with simulated devices on one side
//! and simulated client domains (the real client library over real rings
//! in shared windows) on the other, driven as the domains' loops would be:
//! device events in, doorbells out, clients draining their rings.

use crate::device::{Script, SimDevice};
use bulkhead_input::{Event, Features, MultiTouch};
use bulkhead_input_client::{InputClient, Received};
use bulkhead_input_core::evdev::codes::*;
use bulkhead_input_core::{Backend, FocusConfig, FocusSwitch, KeyRoute, RawEvent};
use bulkhead_ring::TestWindow;
use bulkhead_ring::{Hello, LINK_HEADER, Link, RingLayout, Version};

/// Backend to client: room for ~128 key events.
pub const TO_CLIENT: RingLayout = RingLayout { base: LINK_HEADER, capacity: 1024 };
/// Client to backend.
pub const TO_BACKEND: RingLayout = RingLayout { base: LINK_HEADER + 128 + 1024, capacity: 256 };
pub const WINDOW: usize = 2048;
pub const HELLO: Hello = Hello { version: Version { major: 1, minor: 0 }, features: 0 };
/// Each client's queue in the rig.
pub const QUEUE: usize = 16;

pub type TestBackend = Backend<TestWindow, 4, QUEUE>;

/// The cockpit of the issue: the cluster and the infotainment system.
pub const CLUSTER: usize = 0;
pub const IVI: usize = 1;
pub const NAMES: [&str; 2] = ["cluster", "infotainment"];

pub const HARDWARE_KEYS: [KeyRoute<'static>; 3] = [
    KeyRoute { code: KEY_VOLUMEUP, client: "cluster" },
    KeyRoute { code: KEY_VOLUMEDOWN, client: "cluster" },
    KeyRoute { code: KEY_MUTE, client: "cluster" },
];
pub const SWITCHES: [FocusSwitch<'static>; 2] = [
    FocusSwitch { modifiers: &[KEY_LEFTCTRL, KEY_LEFTALT], key: KEY_F1, to: "cluster" },
    FocusSwitch { modifiers: &[KEY_LEFTCTRL, KEY_LEFTALT], key: KEY_F2, to: "infotainment" },
];
/// Touch, pointer and keyboard to the infotainment system; hardware keys
/// to the cluster; Ctrl+Alt+F1/F2 move the keyboard.
pub const COCKPIT: FocusConfig<'static> = FocusConfig {
    keyboard: Some("infotainment"),
    pointer: Some("infotainment"),
    touch: Some("infotainment"),
    key_routes: &HARDWARE_KEYS,
    switches: &SWITCHES,
};

/// Devices of the standard rig, by index.
pub const KEYBOARD: usize = 0;
pub const MOUSE: usize = 1;
pub const TABLET: usize = 2;
pub const TOUCH: usize = 3;

pub fn devices() -> Vec<SimDevice> {
    vec![SimDevice::keyboard(), SimDevice::mouse(), SimDevice::tablet(), SimDevice::touchscreen(5)]
}

/// What every rig client asks for: everything.
pub const EVERYTHING: Features = Features {
    keyboard: true,
    pointer: true,
    abs_pointer: true,
    raw_pointer: true,
    multi_touch: Some(MultiTouch { contacts: 10, width: 0, height: 0 }),
};

/// A client domain.
pub struct SimClient {
    pub window: TestWindow,
    pub client: InputClient<TestWindow>,
    /// The kernel's epoch of its channel.
    pub epoch: u32,
    /// It reads its ring only when asked (a slow client).
    pub slow: bool,
}

pub struct Rig {
    pub backend: TestBackend,
    pub clients: Vec<SimClient>,
    /// Doorbells the backend rang, per client.
    pub rung: Vec<usize>,
}

pub fn client_link(window: &TestWindow, epoch: u32) -> Link<TestWindow> {
    Link::connect(window.clone(), 1, epoch, HELLO, TO_BACKEND, TO_CLIENT).unwrap()
}

pub fn backend_link(window: &TestWindow, epoch: u32) -> Link<TestWindow> {
    Link::connect(window.clone(), 0, epoch, HELLO, TO_CLIENT, TO_BACKEND).unwrap()
}

impl Rig {
    /// The cockpit with the standard devices; both clients want everything.
    pub fn cockpit() -> Self {
        Self::new(&devices(), &COCKPIT, [EVERYTHING, EVERYTHING])
    }

    pub fn new(devices: &[SimDevice], focus: &FocusConfig<'static>, wanted: [Features; 2]) -> Self {
        let windows = [TestWindow::new(WINDOW), TestWindow::new(WINDOW)];
        let configs: Vec<_> = devices.iter().map(SimDevice::config).collect();
        let backend = TestBackend::new(
            &configs,
            focus,
            [(NAMES[0], backend_link(&windows[0], 1)), (NAMES[1], backend_link(&windows[1], 1))],
        )
        .unwrap();
        let clients = windows
            .into_iter()
            .zip(wanted)
            .map(|(window, wanted)| SimClient {
                client: InputClient::new(client_link(&window, 1), wanted),
                window,
                epoch: 1,
                slow: false,
            })
            .collect();
        Self { backend, clients, rung: vec![0; 2] }
    }

    /// Connects every client and checks it was accepted.
    pub fn connected(mut self) -> Self {
        for i in 0..self.clients.len() {
            let got = self.take(i);
            assert!(matches!(got.first(), Some(Received::Connected { .. })), "client {i} got {got:?}");
        }
        self
    }

    fn doorbells(&mut self, rang: bulkhead_input_core::Doorbells) {
        for (i, n) in self.rung.iter_mut().enumerate() {
            if rang.contains(i) {
                *n += 1;
            }
        }
    }

    /// The backend's loop after a doorbell: epochs, requests, flush.
    pub fn service(&mut self) {
        let epochs: Vec<u32> = self.clients.iter().map(|c| c.epoch).collect();
        let rang = self.backend.poll(|i| epochs[i]).unwrap();
        self.doorbells(rang);
    }

    /// The device delivers `script`: each event crosses the wire as a
    /// `virtio_input_event`, is decoded and goes to the backend.
    pub fn play(&mut self, device: usize, script: Script) {
        for bytes in script.wire() {
            let rang = self.backend.device_event(device, RawEvent::from_le_bytes(bytes));
            self.doorbells(rang);
        }
    }

    /// Client `i` drains its ring (ringing the backend's doorbell when the
    /// library says so, as its domain would) until nothing more comes.
    pub fn take(&mut self, i: usize) -> Vec<Received> {
        let mut got = Vec::new();
        loop {
            let c = &mut self.clients[i];
            c.client.follow(c.epoch).unwrap();
            while let Some(r) = c.client.next_event().unwrap() {
                got.push(r);
            }
            if !c.client.take_doorbell() {
                return got;
            }
            self.service();
        }
    }

    /// Only the events client `i` gets (no drop reports expected).
    pub fn events(&mut self, i: usize) -> Vec<Event> {
        self.take(i)
            .into_iter()
            .map(|r| match r {
                Received::Event(e) => e,
                other => panic!("client {i}: expected only events, got {other:?}"),
            })
            .collect()
    }
}

/// Shorthands for golden expectations.
pub fn down(code: u16) -> Event {
    Event::Key { code, pressed: true }
}
pub fn up(code: u16) -> Event {
    Event::Key { code, pressed: false }
}
pub fn touch(contact: u8, what: bulkhead_input::Touch) -> Event {
    Event::Touch { contact, what }
}
