// SPDX-License-Identifier: MIT
//! The client against the real sound backend (`bulkhead_sound_core`) and
//! its real session (`bulkhead_session`) over real rings in a
//! `TestWindow`, single-threaded: the test port's `wait` serves the
//! client's session once, and the tests mix device periods by hand,
//! posting the events the mixer returns.

use bulkhead_ring::{Link, Producer, TestWindow};
use bulkhead_sound::channel::{DATA_AREA, EVENTS, HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_sound::{
    DataRef, Direction, Event, Format, Hello, Operation, PcmParams, Status, StreamId, StreamInfo, ToClient, Trigger,
    VERSION,
};
use bulkhead_sound_client::RequestClient;
use bulkhead_sound_client::{Capture, ClientError, Playback, Port, Received, SoundClient};
use bulkhead_sound_core::{Backend, ClientPolicy, DEVICE_FRAME, LAYOUT, Policy, Session, offered};
use std::cell::RefCell;

const WINDOW: usize = 256 * 1024;
const CLUSTER: u8 = 0;
const IVI: u8 = 1;
const PLAY: StreamId = StreamId { card: 0, device: 0, stream: 0 };
const PLAY2: StreamId = StreamId { card: 0, device: 0, stream: 2 };
const CAPTURE: StreamId = StreamId { card: 0, device: 0, stream: 1 };
/// 256 frames of S16 stereo.
const PERIOD: u32 = 1024;
const BUFFER_BYTES: u32 = 8 * PERIOD;
const BUFFER: DataRef = DataRef { offset: DATA_AREA, len: BUFFER_BYTES };

fn params() -> PcmParams {
    PcmParams { format: Format::S16Le, rate: 48_000, channels: 2, buffer_bytes: BUFFER_BYTES, period_bytes: PERIOD }
}

fn policy() -> Policy {
    let mut clients = heapless::Vec::new();
    clients.push(ClientPolicy { priority: 10, default_volume: 0, max_playback: 2, capture: false }).unwrap();
    clients.push(ClientPolicy { priority: 1, default_volume: 0, max_playback: 2, capture: true }).unwrap();
    Policy { clients, duck_tenths_db: -120, ramp_frames: 4 }
}

/// The sound domain for one client: the backend and the client's session.
struct Domain {
    backend: Backend,
    session: Session<TestWindow>,
    client: u8,
    epoch: u32,
}

impl Domain {
    fn serve(&mut self) {
        let Domain { backend, session, epoch, .. } = self;
        session.serve(backend, *epoch).unwrap();
    }

    /// One device period of `frames` frames: the samples; the client's
    /// events are posted and flushed.
    fn mix(&mut self, frames: usize) -> Vec<[i16; 2]> {
        let mut out = vec![0u8; frames * DEVICE_FRAME];
        for (client, event) in self.backend.mix(&mut out) {
            if client == self.client {
                assert!(self.session.post(event));
            }
        }
        self.serve();
        out.chunks_exact(4).map(|f| [i16::from_le_bytes([f[0], f[1]]), i16::from_le_bytes([f[2], f[3]])]).collect()
    }

    fn capture(&mut self, input: &[u8]) {
        for (client, event) in self.backend.capture(input) {
            if client == self.client {
                assert!(self.session.post(event));
            }
        }
        self.serve();
    }
}

/// The client's port: waiting is one turn of the session.
struct TestPort<'a>(&'a RefCell<Domain>);

impl Port for TestPort<'_> {
    fn epoch(&self) -> u32 {
        self.0.borrow().epoch
    }
    fn notify(&self) {}
    fn wait(&self) {
        self.0.borrow_mut().serve();
    }
}

/// The domain and a client of it in epoch 1, not yet connected.
fn setup(client: u8) -> (RefCell<Domain>, SoundClient<TestWindow>) {
    let window = TestWindow::new(WINDOW);
    let mut backend = Backend::new(policy()).unwrap();
    let session = Session::connect(&mut backend, client, window.clone(), LAYOUT, 0, 1).unwrap();
    let sound = SoundClient::connect(window, 1, 1).unwrap();
    (RefCell::new(Domain { backend, session, client, epoch: 1 }), sound)
}

/// Serves and reads until `Connected`.
fn connected(domain: &RefCell<Domain>, client: &mut SoundClient<TestWindow>) -> Vec<StreamInfo> {
    for _ in 0..4 {
        domain.borrow_mut().serve();
        match client.next().unwrap() {
            Some(Received::Connected { streams }) => return streams.to_vec(),
            Some(r) => panic!("before Connected: {r:?}"),
            None => {}
        }
    }
    panic!("never connected");
}

fn no_other(r: Received) {
    panic!("unexpected: {r:?}");
}

/// `n` frames from frame `from` of a pattern no two frames share.
fn pattern(from: usize, n: usize) -> Vec<[i16; 2]> {
    (from..from + n).map(|i| [(i % 30_000) as i16, -((i * 7 % 30_000) as i16)]).collect()
}

fn bytes(frames: &[[i16; 2]]) -> Vec<u8> {
    frames.iter().flat_map(|f| f.iter().flat_map(|s| s.to_le_bytes())).collect()
}

/// Every event the client can read now.
fn events(client: &mut SoundClient<TestWindow>) -> Vec<Event> {
    std::iter::from_fn(|| client.next_event().unwrap()).collect()
}

const FRAMES: usize = (PERIOD / 4) as usize;

#[test]
fn connected_lists_exactly_the_offered_streams() {
    for (id, expected) in [
        (CLUSTER, vec![(PLAY, Direction::Playback), (PLAY2, Direction::Playback)]),
        (IVI, vec![(PLAY, Direction::Playback), (PLAY2, Direction::Playback), (CAPTURE, Direction::Capture)]),
    ] {
        let (domain, mut client) = setup(id);
        assert!(!client.is_connected());
        assert_eq!(client.send(PLAY, Operation::GetVolume), Err(ClientError::NotConnected));
        let streams = connected(&domain, &mut client);
        assert_eq!(streams, offered(&domain.borrow().backend, id).to_vec());
        let got: Vec<_> = streams.iter().map(|s| (s.id, s.direction)).collect();
        assert_eq!(got, expected);
        assert_eq!(client.streams().unwrap(), &streams[..]);
        assert!(client.is_connected() && !client.is_refused());
        assert_eq!((client.epoch(), client.garbage()), (1, 0));
        assert_eq!(client.data_area(), DataRef { offset: DATA_AREA, len: WINDOW as u32 - DATA_AREA });
    }
}

#[test]
fn queued_periods_are_mixed_exactly_and_positions_arrive() {
    let (domain, mut client) = setup(CLUSTER);
    connected(&domain, &mut client);
    let port = TestPort(&domain);
    let mut play = Playback::open(&mut client, &port, PLAY, params(), BUFFER, no_other).unwrap();
    assert_eq!(play.stream(), PLAY);
    assert_eq!(play.trigger(&mut client, &port, Trigger::Start, no_other), Ok(Status::Ok));
    let sent = pattern(0, 4 * FRAMES);
    for period in sent.chunks(FRAMES) {
        assert_eq!(play.queue_period(&mut client, &port, &bytes(period), no_other), Ok(Status::Ok));
    }
    assert_eq!(domain.borrow().backend.queued(CLUSTER, PLAY), Some(4 * PERIOD as usize));
    let mut heard = Vec::new();
    let mut positions = Vec::new();
    for _ in 0..4 {
        heard.extend(domain.borrow_mut().mix(FRAMES));
        for e in events(&mut client) {
            match e {
                Event::Position { stream, position_bytes } => {
                    assert_eq!(stream, PLAY);
                    positions.push(position_bytes);
                }
                e => panic!("{e:?}"),
            }
        }
    }
    assert_eq!(heard, sent, "0 dB by default: the samples exactly");
    assert_eq!(positions, [1024, 2048, 3072, 4096]);
    assert_eq!(client.position(PLAY), Some(4096));
    assert_eq!(client.position(PLAY2), None);
    // Dry now: silence and an underrun, told to us alone.
    assert_eq!(domain.borrow_mut().mix(FRAMES), vec![[0, 0]; FRAMES]);
    assert_eq!(events(&mut client), [Event::Underrun { stream: PLAY, frames: FRAMES as u32 }]);
    let id = client.send(PLAY, Operation::GetVolume).unwrap();
    let next = client.send(PLAY, Operation::GetVolume).unwrap();
    assert_eq!(next, id + 1);
    // Their answers come to `other` while CLOSE waits for its own.
    let mut others = Vec::new();
    assert_eq!(play.close(&mut client, &port, |r| others.push(r)), Ok(Status::Ok));
    let ids: Vec<_> = others
        .iter()
        .map(|r| match r {
            Received::Response(r) => (r.id, r.status),
            r => panic!("{r:?}"),
        })
        .collect();
    assert_eq!(ids, [(id, Status::Ok), (next, Status::Ok)]);
    assert_eq!(domain.borrow().backend.queued(CLUSTER, PLAY), None);
    assert_eq!(client.garbage(), 0);
}

#[test]
fn a_flood_is_refused_with_busy_and_nothing_is_lost_or_reordered() {
    let (domain, mut client) = setup(CLUSTER);
    connected(&domain, &mut client);
    let port = TestPort(&domain);
    let mut play = Playback::open(&mut client, &port, PLAY, params(), BUFFER, no_other).unwrap();
    assert_eq!(play.trigger(&mut client, &port, Trigger::Start, no_other), Ok(Status::Ok));
    let sent = pattern(1000, 20 * FRAMES);
    let mut periods = sent.chunks(FRAMES).map(bytes);
    let mut pending = periods.next();
    let (mut busy, mut heard) = (0, Vec::new());
    while let Some(pcm) = &pending {
        match play.queue_period(&mut client, &port, pcm, no_other).unwrap() {
            Status::Ok => pending = periods.next(),
            Status::Busy => {
                // The FIFO holds exactly the buffer: eight periods.
                assert_eq!(domain.borrow().backend.queued(CLUSTER, PLAY), Some(BUFFER_BYTES as usize));
                busy += 1;
                // Wait for the backend to consume a period.
                heard.extend(domain.borrow_mut().mix(FRAMES));
                let events = events(&mut client);
                assert!(matches!(events[..], [Event::Position { stream: PLAY, .. }]), "{events:?}");
            }
            s => panic!("{s:?}"),
        }
    }
    assert_eq!(busy, 12);
    while domain.borrow().backend.queued(CLUSTER, PLAY) != Some(0) {
        heard.extend(domain.borrow_mut().mix(FRAMES));
    }
    assert_eq!(heard, sent);
    assert_eq!(events(&mut client).len(), 8);
    assert_eq!(client.position(PLAY), Some(20 * u64::from(PERIOD)));
}

#[test]
fn a_new_epoch_connects_again_and_the_old_streams_are_gone() {
    let (domain, mut client) = setup(CLUSTER);
    connected(&domain, &mut client);
    let port = TestPort(&domain);
    let mut play = Playback::open(&mut client, &port, PLAY, params(), BUFFER, no_other).unwrap();
    assert_eq!(play.trigger(&mut client, &port, Trigger::Start, no_other), Ok(Status::Ok));
    assert_eq!(play.queue_period(&mut client, &port, &bytes(&pattern(0, FRAMES)), no_other), Ok(Status::Ok));
    domain.borrow_mut().mix(FRAMES);
    assert_eq!(events(&mut client).len(), 1);
    assert_eq!(client.position(PLAY), Some(u64::from(PERIOD)));

    // The backend restarts: epoch 2. The client has not followed yet.
    domain.borrow_mut().epoch = 2;
    domain.borrow_mut().serve();
    assert_eq!(domain.borrow().backend.queued(CLUSTER, PLAY), None, "the backend forgot the stream");
    assert_eq!(client.next(), Ok(None), "down until we follow");
    assert_eq!(client.next_event(), Ok(None));
    // A call notices the new epoch.
    assert_eq!(client.call(&port, PLAY, Operation::GetVolume, no_other), Err(ClientError::Restarted));
    assert_eq!(client.epoch(), 2);
    assert!(!client.is_connected());
    assert_eq!(client.position(PLAY), None, "positions go with the epoch");
    assert!(client.take_doorbell());
    assert_eq!(client.follow(2), Ok(false));
    let streams = connected(&domain, &mut client);
    assert_eq!(streams.len(), 2);

    // The old stream is gone: WRITE answers NoDevice before reopening.
    assert_eq!(play.queue_period(&mut client, &port, &bytes(&pattern(0, FRAMES)), no_other), Ok(Status::NoDevice));
    let mut play = Playback::open(&mut client, &port, PLAY, params(), BUFFER, no_other).unwrap();
    assert_eq!(play.trigger(&mut client, &port, Trigger::Start, no_other), Ok(Status::Ok));
    let sent = pattern(77, FRAMES);
    assert_eq!(play.queue_period(&mut client, &port, &bytes(&sent), no_other), Ok(Status::Ok));
    assert_eq!(domain.borrow_mut().mix(FRAMES), sent);
    assert_eq!(events(&mut client), [Event::Position { stream: PLAY, position_bytes: u64::from(PERIOD) }]);

    // Opening the same stream twice is refused, and says so.
    assert_eq!(
        Playback::open(&mut client, &port, PLAY, params(), BUFFER, no_other),
        Err(ClientError::Rejected(Status::Busy))
    );

    // The client restarts on its side (epoch 3, `follow` first): both
    // ends meet again, the event ring works in the new epoch.
    assert_eq!(client.follow(3), Ok(true));
    domain.borrow_mut().epoch = 3;
    connected(&domain, &mut client);
    let mut play = Playback::open(&mut client, &port, PLAY, params(), BUFFER, no_other).unwrap();
    assert_eq!(play.trigger(&mut client, &port, Trigger::Start, no_other), Ok(Status::Ok));
    assert_eq!(play.queue_period(&mut client, &port, &bytes(&sent), no_other), Ok(Status::Ok));
    assert_eq!(domain.borrow_mut().mix(FRAMES), sent);
    assert_eq!(events(&mut client), [Event::Position { stream: PLAY, position_bytes: u64::from(PERIOD) }]);
    assert_eq!(client.garbage(), 0);
}

#[test]
fn capture_reads_what_the_device_captured() {
    let (domain, mut client) = setup(IVI);
    connected(&domain, &mut client);
    let port = TestPort(&domain);
    let buffer = DataRef { offset: DATA_AREA + 32 * 1024, len: BUFFER_BYTES };
    let mut capture = Capture::open(&mut client, &port, CAPTURE, params(), buffer, no_other).unwrap();
    assert_eq!(capture.stream(), CAPTURE);
    assert_eq!(capture.trigger(&mut client, &port, Trigger::Start, no_other), Ok(Status::Ok));
    let mut out = vec![0u8; PERIOD as usize];
    assert_eq!(capture.read_period(&mut client, &port, &mut out, no_other), Ok(Status::Busy), "nothing yet");
    assert_eq!(out, vec![0; PERIOD as usize], "untouched");
    let input = bytes(&pattern(5, 2 * FRAMES));
    domain.borrow_mut().capture(&input);
    assert_eq!(events(&mut client), [Event::Position { stream: CAPTURE, position_bytes: 2 * u64::from(PERIOD) }]);
    for half in input.chunks(PERIOD as usize) {
        assert_eq!(capture.read_period(&mut client, &port, &mut out, no_other), Ok(Status::Ok));
        assert_eq!(out, half);
    }
    // The cluster client may not capture: the refusal is an error.
    let (domain, mut cluster) = setup(CLUSTER);
    connected(&domain, &mut cluster);
    let port = TestPort(&domain);
    assert_eq!(
        Capture::open(&mut cluster, &port, CAPTURE, params(), buffer, no_other),
        Err(ClientError::Rejected(Status::PermissionDenied))
    );
}

#[test]
fn local_misuse_is_an_error_and_sends_nothing() {
    let (domain, mut client) = setup(CLUSTER);
    connected(&domain, &mut client);
    let port = TestPort(&domain);
    let end = WINDOW as u32;
    // PCM only in the data area, never over the rings or past the end.
    for (offset, len) in
        [(0, 4), (DATA_AREA - 2, 4), (end - 2, 4), (end, 1), (u32::MAX, 2), (u32::MAX - 1, 0), (DATA_AREA, WINDOW)]
    {
        assert_eq!(client.write_pcm(offset, &vec![1; len]), Err(ClientError::OutOfArea), "{offset} {len}");
        assert_eq!(client.read_pcm(offset, &mut vec![0; len]), Err(ClientError::OutOfArea), "{offset} {len}");
    }
    assert_eq!(client.write_pcm(end - 4, &[1, 2, 3, 4]), Ok(()));
    let mut four = [0; 4];
    assert_eq!(client.read_pcm(end - 4, &mut four), Ok(()));
    assert_eq!(four, [1, 2, 3, 4]);
    assert_eq!(client.write_pcm(end, &[]), Ok(()));

    let over_rings = DataRef { offset: 0, len: BUFFER_BYTES };
    assert_eq!(Playback::open(&mut client, &port, PLAY, params(), over_rings, no_other), Err(ClientError::OutOfArea));
    let past_end = DataRef { offset: end - 4096, len: BUFFER_BYTES };
    assert_eq!(Playback::open(&mut client, &port, PLAY, params(), past_end, no_other), Err(ClientError::OutOfArea));
    for bad in [
        PcmParams { period_bytes: 0, ..params() },
        PcmParams { period_bytes: 2 * BUFFER_BYTES, ..params() },
        PcmParams { buffer_bytes: 2 * BUFFER_BYTES, ..params() },
    ] {
        assert_eq!(Playback::open(&mut client, &port, PLAY, bad, BUFFER, no_other), Err(ClientError::Params));
    }
    // Parameters the backend refuses (a rate it does not play).
    assert_eq!(
        Playback::open(&mut client, &port, PLAY, PcmParams { rate: 12_345, ..params() }, BUFFER, no_other),
        Err(ClientError::Rejected(Status::InvalidArgument))
    );
    assert_eq!(domain.borrow().backend.queued(CLUSTER, PLAY), None);

    let mut play = Playback::open(&mut client, &port, PLAY, params(), BUFFER, no_other).unwrap();
    assert_eq!(play.queue_period(&mut client, &port, &[], no_other), Err(ClientError::Period));
    assert_eq!(
        play.queue_period(&mut client, &port, &vec![0; PERIOD as usize + 4], no_other),
        Err(ClientError::Period)
    );
    // Half a frame: the backend's answer, not a silent drop.
    assert_eq!(play.queue_period(&mut client, &port, &[1, 2], no_other), Ok(Status::InvalidArgument));
    assert_eq!(domain.borrow().backend.queued(CLUSTER, PLAY), Some(0));
}

/// A hand-made backend end: its link and its event ring, in epoch 1.
fn fake_backend(window: &TestWindow) -> (Link<TestWindow>, Producer<TestWindow>) {
    let events = Producer::new(window.clone(), EVENTS).unwrap();
    let link = Link::connect(window.clone(), 0, 1, HELLO, TO_CLIENT, TO_BACKEND).unwrap();
    (link, events)
}

fn push(link: &mut Link<TestWindow>, m: &ToClient) {
    link.push(&postcard::to_allocvec(m).unwrap()).unwrap();
}

fn stream(id: StreamId) -> ToClient {
    ToClient::Stream(StreamInfo { id, direction: Direction::Playback })
}

#[test]
fn a_hostile_backend_gives_errors_and_counts_not_panics() {
    let window = TestWindow::new(WINDOW);
    let (mut link, mut events) = fake_backend(&window);
    let mut client = SoundClient::connect(window.clone(), 1, 1).unwrap();

    // Reply ring: garbage, a stream before Hello, our own Hello, too many
    // streams, another version.
    link.push(&[0xff; 40]).unwrap();
    link.push(&[]).unwrap();
    push(&mut link, &stream(PLAY));
    push(&mut link, &ToClient::Hello(Hello::Connect { version: VERSION }));
    assert_eq!(client.next(), Err(ClientError::Undecodable));
    assert_eq!(client.next(), Err(ClientError::Undecodable));
    assert_eq!(client.next(), Err(ClientError::OutOfOrder));
    assert_eq!(client.next(), Err(ClientError::OutOfOrder));
    assert_eq!(client.garbage(), 4);
    push(&mut link, &ToClient::Hello(Hello::Connected { version: VERSION, streams: 17 }));
    assert_eq!(client.next(), Err(ClientError::OutOfOrder));
    assert!(client.is_refused());
    push(&mut link, &ToClient::Hello(Hello::Connected { version: VERSION + 1, streams: 1 }));
    assert_eq!(client.next(), Ok(Some(Received::Refused { version: VERSION + 1 })));
    assert_eq!(client.send(PLAY, Operation::GetVolume), Err(ClientError::NotConnected));
    // A proper greeting, with a stray stream after it.
    push(&mut link, &ToClient::Hello(Hello::Connected { version: VERSION, streams: 1 }));
    push(&mut link, &stream(PLAY));
    push(&mut link, &stream(PLAY2));
    let Ok(Some(Received::Connected { streams })) = client.next() else { panic!() };
    assert_eq!(streams.len(), 1);
    assert_eq!(client.next(), Err(ClientError::OutOfOrder));
    assert_eq!(client.streams().map(<[_]>::len), Some(1));
    assert_eq!(client.garbage(), 6);
    assert_eq!(client.next(), Ok(None));

    // Event ring: garbage, an event about a stream not offered, then a
    // good one.
    events.push(&[0xfe; 12]).unwrap();
    events.push(&postcard::to_allocvec(&Event::Position { stream: PLAY2, position_bytes: 4 }).unwrap()).unwrap();
    let good = Event::Position { stream: PLAY, position_bytes: 8 };
    events.push(&postcard::to_allocvec(&good).unwrap()).unwrap();
    assert_eq!(client.next_event(), Err(ClientError::Undecodable));
    assert_eq!(client.next_event(), Err(ClientError::OutOfOrder));
    assert_eq!(client.next_event(), Ok(Some(good)));
    assert_eq!(client.position(PLAY), Some(8));
    assert_eq!(client.position(PLAY2), None);
    assert_eq!(client.garbage(), 8);
    // A frame longer than any event stays and stalls the event ring, said.
    events.push(&[0; 200]).unwrap();
    for _ in 0..2 {
        assert!(matches!(client.next_event(), Err(ClientError::EventRing(_))));
    }
    // A corrupt event index: the ring is broken for this epoch, said on
    // every call, never a panic.
    window.scribble(EVENTS.base, 0x8000_0000);
    for _ in 0..3 {
        assert!(matches!(client.next_event(), Err(ClientError::EventRing(bulkhead_ring::RingError::Broken(_)))));
    }
    // The reply ring still works.
    push(
        &mut link,
        &ToClient::Response(bulkhead_sound::Response {
            id: 1,
            status: Status::Ok,
            payload: bulkhead_sound::Payload::None,
        }),
    );
    assert!(matches!(client.next(), Ok(Some(Received::Response(_)))));

    // A new epoch heals the event ring.
    assert_eq!(client.follow(2), Ok(true));
    let mut events = Producer::new(window.clone(), EVENTS).unwrap();
    link.follow(2).unwrap();
    push(&mut link, &ToClient::Hello(Hello::Connected { version: VERSION, streams: 1 }));
    push(&mut link, &stream(PLAY));
    assert!(matches!(client.next(), Ok(Some(Received::Connected { .. }))));
    events.push(&postcard::to_allocvec(&good).unwrap()).unwrap();
    assert_eq!(client.next_event(), Ok(Some(good)));
}

#[test]
fn random_frames_on_both_rings_never_panic() {
    let window = TestWindow::new(WINDOW);
    let (mut link, mut events) = fake_backend(&window);
    let mut client = SoundClient::connect(window.clone(), 1, 1).unwrap();
    push(&mut link, &ToClient::Hello(Hello::Connected { version: VERSION, streams: 1 }));
    push(&mut link, &stream(PLAY));
    assert!(matches!(client.next(), Ok(Some(Received::Connected { .. }))));
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut frames, mut errors) = (0, 0);
    for _ in 0..2000 {
        let len = (random() % 64) as usize;
        let frame: Vec<u8> = (0..len).map(|_| random() as u8).collect();
        if link.push(&frame).is_ok() {
            frames += 1;
        }
        if events.push(&frame).is_ok() {
            frames += 1;
        }
        for _ in 0..2 {
            errors += usize::from(client.next().is_err());
            errors += usize::from(client.next_event().is_err());
        }
    }
    assert!(frames > 3000);
    assert!(errors > 0);
    assert!(client.garbage() > 0);
    // Whatever the garbage did to the handshake, PCM stays in its area.
    assert_eq!(client.write_pcm(0, &[0; 4]), Err(ClientError::OutOfArea));
}
