// SPDX-License-Identifier: MIT
//! The client against the real backend logic (`bulkhead_display_core`)
//! over real rings in a `TestWindow`: a small pump plays the display
//! domain's loop (hello and connectors when the link comes up, requests in,
//! responses out, frames composed into a `Vec` scanout, flip-done out).

use bulkhead_display::channel::{HELLO, TO_BACKEND, TO_CLIENT, backend_area};
use bulkhead_display::{
    BufferSource, ConnectorInfo, DataRef, Event, Operation, Payload, PixelFormat, Rect, Request, Status, ToClient,
    VERSION,
};
use bulkhead_display_client::RequestClient;
use bulkhead_display_client::{ClientError, DisplayClient, Port, Received};
use bulkhead_display_core::{
    Backend, ClientWindow, ConnectorPolicy, Placement, Policy, Protected, Scanout, WindowSpan,
};
use bulkhead_ring::{Link, TestWindow, Window};
use std::cell::RefCell;

const WINDOW: usize = 256 * 1024;
const CLIENT: u8 = 0;
const W: u32 = 32;
const H: u32 = 24;
const BACKGROUND: u32 = 0x10_10_30;
const STRIP: Rect = Rect::new(0, 0, W, 4);

/// The backend's view of the client's window.
struct Shared(TestWindow);

impl ClientWindow for Shared {
    fn len(&self) -> u64 {
        self.0.size() as u64
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> bool {
        let fits = offset + out.len() as u64 <= self.len();
        if fits {
            self.0.read(offset as usize, out);
        }
        fits
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> bool {
        let fits = offset + data.len() as u64 <= self.len();
        if fits {
            self.0.write(offset as usize, data);
        }
        fits
    }
}

/// The display domain's loop for one client and one connector.
struct Pump {
    backend: Backend,
    link: Link<TestWindow>,
    window: Shared,
    scanout: Vec<u8>,
    hello_sent: bool,
}

impl Pump {
    fn new(window: &TestWindow, epoch: u32) -> Self {
        let mut connector = ConnectorPolicy {
            width: W,
            height: H,
            background: BACKGROUND,
            placements: Default::default(),
            protected: Default::default(),
        };
        connector.placements.push(Placement { client: CLIENT, z: 1, blend: false }).unwrap();
        connector.protected.push(Protected { owner: CLIENT, area: STRIP }).unwrap();
        let mut policy = Policy::default();
        policy.connectors.push(connector).unwrap();
        let link = Link::connect(window.clone(), 0, epoch, HELLO, TO_CLIENT, TO_BACKEND).unwrap();
        Pump {
            backend: Backend::new(policy).unwrap(),
            link,
            window: Shared(window.clone()),
            scanout: vec![0; (W * H * 4) as usize],
            hello_sent: false,
        }
    }

    fn push(&mut self, m: &ToClient) {
        self.link.push(&postcard::to_allocvec(m).unwrap()).unwrap();
    }

    fn follow(&mut self, epoch: u32) {
        if self.link.follow(epoch).unwrap() {
            self.hello_sent = false;
        }
    }

    /// One turn: hello if due, every request, then a frame if damaged.
    fn turn(&mut self) {
        if self.link.poll().is_err() {
            return;
        }
        if !self.hello_sent {
            let len = self.window.len();
            let span = WindowSpan { len, backend_area: backend_area(len as u32) };
            assert!(self.backend.connect(CLIENT, span));
            self.push(&ToClient::Hello { version: VERSION, connectors: 1 });
            self.push(&ToClient::Connector(ConnectorInfo { connector: 0, width: W, height: H }));
            self.hello_sent = true;
        }
        let mut buf = [0u8; 64];
        while let Ok(frame) = self.link.pop(&mut buf) {
            let Ok(req) = bulkhead_display::decode::<Request>(frame) else { continue };
            let response = self.backend.request(CLIENT, &mut self.window, &req);
            self.push(&ToClient::Response(response));
        }
        let mut scanout = Scanout::new(W, H, &mut self.scanout).unwrap();
        if let Some(frame) = self.backend.compose(0, &mut scanout).unwrap() {
            for (_, e) in frame.mismatches {
                self.push(&ToClient::Event(e));
            }
            for (_, e) in self.backend.frame_shown(0) {
                self.push(&ToClient::Event(e));
            }
        }
    }

    fn pixel(&self, x: u32, y: u32) -> u32 {
        let at = ((y * W + x) * 4) as usize;
        u32::from_le_bytes(self.scanout[at..at + 4].try_into().unwrap()) & 0xff_ffff
    }
}

/// The client's port: waiting is one turn of the pump.
struct TestPort<'a> {
    pump: &'a RefCell<Pump>,
    epoch: u32,
}

impl Port for TestPort<'_> {
    fn epoch(&self) -> u32 {
        self.epoch
    }
    fn notify(&self) {}
    fn wait(&self) {
        self.pump.borrow_mut().turn();
    }
}

fn client(window: &TestWindow, epoch: u32) -> DisplayClient<TestWindow> {
    let link = Link::connect(window.clone(), 1, epoch, HELLO, TO_BACKEND, TO_CLIENT).unwrap();
    DisplayClient::new(link, window.clone())
}

/// Everything the client received until the ring is empty.
fn drain(client: &mut DisplayClient<TestWindow>) -> Vec<Received> {
    std::iter::from_fn(|| client.next().unwrap()).collect()
}

/// A `W` x `H` XRGB8888 framebuffer `fb` over display buffer `fb` at
/// `offset` of the buffer area, filled with `colour`.
fn framebuffer(client: &mut DisplayClient<TestWindow>, port: &TestPort<'_>, fb: u64, colour: u32) -> DataRef {
    let range = DataRef { offset: client.area().offset + (fb as u32) * W * H * 4, len: W * H * 4 };
    let pixels: Vec<u8> = (0..W * H).flat_map(|_| colour.to_le_bytes()).collect();
    client.put_rect(range, W * 4, 4, Rect::new(0, 0, W, H), &pixels).unwrap();
    let create = Operation::DbufCreate { dbuf: fb, width: W, height: H, bpp: 32, source: BufferSource::Client(range) };
    assert_eq!(client.call(port, 0, create, |r| panic!("{r:?}")).unwrap().status, Status::Ok);
    let attach = Operation::FbAttach {
        fb,
        dbuf: fb,
        width: W,
        height: H,
        format: PixelFormat::Xrgb8888,
        stride: W * 4,
        offset: 0,
    };
    assert_eq!(client.call(port, 0, attach, |r| panic!("{r:?}")).unwrap().status, Status::Ok);
    range
}

#[test]
fn a_client_connects_configures_flips_and_hears_flip_done() {
    let window = TestWindow::new(WINDOW);
    let pump = RefCell::new(Pump::new(&window, 1));
    let mut client = client(&window, 1);
    let port = TestPort { pump: &pump, epoch: 1 };

    assert_eq!(client.send(0, Operation::FbDetach { fb: 1 }), Err(ClientError::NotConnected));
    pump.borrow_mut().turn();
    let got = drain(&mut client);
    let [Received::Connected { connectors }] = got.as_slice() else { panic!("{got:?}") };
    assert_eq!(connectors.as_slice(), &[ConnectorInfo { connector: 0, width: W, height: H }]);
    assert!(client.is_connected());

    framebuffer(&mut client, &port, 1, 0x00_ff_00_00);
    let back = framebuffer(&mut client, &port, 2, 0x00_00_00_ff);
    let set = Operation::SetConfig { fb: 1, area: Rect::new(0, 0, W, H) };
    assert_eq!(client.call(&port, 0, set, |r| panic!("{r:?}")).unwrap().status, Status::Ok);
    pump.borrow_mut().turn();
    assert_eq!(pump.borrow().pixel(5, 5), 0xff_00_00, "the configured framebuffer is on screen");

    // The back buffer gets a green square; the flip names it as damage.
    let green: Vec<u8> = (0..W * H).flat_map(|_| 0x00_00_ff_00u32.to_le_bytes()).collect();
    client.put_rect(back, W * 4, 4, Rect::new(8, 8, 4, 4), &green).unwrap();
    let flip = Operation::PageFlip { fb: 2, damage: Some(Rect::new(8, 8, 4, 4)) };
    assert_eq!(client.call(&port, 0, flip, |r| panic!("{r:?}")).unwrap().status, Status::Ok);
    let done = client.wait_for(&port, |r| matches!(r, Received::FlipDone { .. }).then_some(r)).unwrap();
    assert_eq!(done, Received::FlipDone { connector: 0, fb: 2 });
    let pump = pump.borrow();
    assert_eq!(pump.pixel(9, 9), 0x00_ff_00, "the damage shows the back buffer");
    assert_eq!(pump.pixel(5, 5), 0xff_00_00, "outside the damage nothing was composed");
    assert_eq!(pump.backend.shown(CLIENT, 0), Some((2, Rect::new(0, 0, W, H))));
}

#[test]
fn a_new_epoch_connects_again_and_the_old_state_is_gone() {
    let window = TestWindow::new(WINDOW);
    let pump = RefCell::new(Pump::new(&window, 1));
    let mut client = client(&window, 1);
    let port = TestPort { pump: &pump, epoch: 1 };
    pump.borrow_mut().turn();
    assert!(matches!(drain(&mut client).as_slice(), [Received::Connected { .. }]));
    framebuffer(&mut client, &port, 1, 0x00_ff_00_00);
    let set = Operation::SetConfig { fb: 1, area: Rect::new(0, 0, W, H) };
    assert_eq!(client.call(&port, 0, set, |_| {}).unwrap().status, Status::Ok);

    // The display domain restarts: the kernel moves the channel to epoch 2.
    let port = TestPort { pump: &pump, epoch: 2 };
    let flip = Operation::PageFlip { fb: 1, damage: None };
    assert_eq!(client.call(&port, 0, flip, |_| {}), Err(ClientError::Restarted));
    assert!(!client.is_connected(), "nothing is sent before the backend is up again");
    assert_eq!(client.send(0, flip), Err(ClientError::NotConnected));
    pump.borrow_mut().follow(2);
    pump.borrow_mut().turn();
    let got = drain(&mut client);
    assert!(matches!(got.as_slice(), [Received::Connected { connectors }] if connectors.len() == 1), "{got:?}");
    assert_eq!(client.epoch(), 2);
    assert_eq!(pump.borrow().backend.shown(CLIENT, 0), None, "the surface left the screen");
    let r = client.call(&port, 0, flip, |_| {}).unwrap();
    assert_eq!(r.status, Status::NotFound, "the framebuffer of the old epoch is gone");
    assert_eq!(r.payload, Payload::None);
}

#[test]
fn an_undecodable_frame_is_an_error_and_the_next_message_still_arrives() {
    let window = TestWindow::new(WINDOW);
    let pump = RefCell::new(Pump::new(&window, 1));
    let mut client = client(&window, 1);
    pump.borrow_mut().turn();
    assert!(matches!(drain(&mut client).as_slice(), [Received::Connected { .. }]));
    {
        let mut p = pump.borrow_mut();
        p.link.push(&[0xff; 9]).unwrap();
        p.push(&ToClient::Event(Event::ProtectedRegionMismatch { connector: 0, region: 0, expected: 1, found: 2 }));
    }
    assert_eq!(client.next(), Err(ClientError::Undecodable));
    assert_eq!(client.garbage(), 1);
    assert_eq!(
        client.next(),
        Ok(Some(Received::Mismatch { connector: 0, region: 0, expected: 1, found: 2 })),
        "the frame after the garbage is read"
    );
    assert_eq!(client.next(), Ok(None));
}

#[test]
fn a_backend_of_another_version_is_refused() {
    let window = TestWindow::new(WINDOW);
    let mut pump = Pump::new(&window, 1);
    let mut client = client(&window, 1);
    pump.link.poll().unwrap();
    pump.push(&ToClient::Hello { version: VERSION + 1, connectors: 0 });
    assert_eq!(client.next(), Ok(Some(Received::Refused { version: VERSION + 1 })));
    assert!(client.is_refused());
    assert_eq!(client.send(0, Operation::FbDetach { fb: 1 }), Err(ClientError::NotConnected));
}

#[test]
fn a_full_ring_and_a_range_outside_the_buffer_area_are_errors() {
    let window = TestWindow::new(WINDOW);
    let mut pump = Pump::new(&window, 1);
    let mut client = client(&window, 1);
    pump.turn();
    assert!(matches!(drain(&mut client).as_slice(), [Received::Connected { .. }]));
    let op = Operation::PageFlip { fb: 1, damage: None };
    let sent = std::iter::from_fn(|| client.send(0, op).ok()).count();
    assert!(sent > 100, "{sent}");
    assert_eq!(client.send(0, op), Err(ClientError::Full));
    let area = client.area();
    assert_eq!(client.write(area.offset - 1, &[0]), Err(ClientError::OutOfArea), "the rings are not buffers");
    assert_eq!(client.write(area.offset + area.len, &[0]), Err(ClientError::OutOfArea));
    assert_eq!(client.write(area.offset + area.len - 1, &[7]), Ok(()));
    let beyond = DataRef { offset: area.offset + area.len - 16, len: 32 };
    assert_eq!(client.put_rect(beyond, 8, 4, Rect::new(0, 0, 2, 4), &[0; 32]), Err(ClientError::OutOfArea));
}
