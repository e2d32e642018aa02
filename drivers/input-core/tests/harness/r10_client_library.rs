// SPDX-License-Identifier: MIT
//! R10: the client library (`bulkhead-input-client`, for bare-metal
//! guests) connects once per epoch, reports what the backend sent in
//! order, counts drops, and treats its backend as untrusted: frames that
//! are not messages are skipped and counted, an oversized frame is an
//! error, never a panic.

use crate::rig::*;
use bulkhead_input::{Capabilities, Event, Features, Message, Request, VERSION, decode_request};
use bulkhead_input_client::{InputClient, Received};
use bulkhead_ring::TestWindow;
use bulkhead_ring::{LinkError, RingError};

fn capabilities() -> Capabilities {
    Capabilities { keys: Default::default(), abs_x: None, abs_y: None, contacts: 0 }
}

fn send(link: &mut bulkhead_ring::Link<TestWindow>, m: &Message) {
    link.push(&postcard::to_allocvec(m).unwrap()).unwrap();
}

#[test]
fn r10_the_client_connects_once_per_epoch_and_reports_in_order() {
    let window = TestWindow::new(WINDOW);
    let mut backend = backend_link(&window, 1);
    let wanted = Features { keyboard: true, ..Features::default() };
    let mut client = InputClient::new(client_link(&window, 1), wanted);
    assert_eq!(client.next_event(), Ok(None));
    assert!(client.take_doorbell(), "Connect was sent: ring the backend");
    assert_eq!(client.next_event(), Ok(None));
    let mut buf = [0u8; 256];
    assert_eq!(decode_request(backend.pop(&mut buf).unwrap()), Ok(Request::Connect { version: VERSION, wanted }));
    assert!(backend.pop(&mut buf).is_err(), "one Connect per epoch");
    assert_eq!((client.granted(), client.capabilities()), (None, None));
    send(&mut backend, &Message::Connected { version: VERSION, granted: wanted, capabilities: capabilities() });
    send(&mut backend, &Message::Dropped { count: 3 });
    send(&mut backend, &Message::Event(Event::Key { code: 30, pressed: true }));
    send(&mut backend, &Message::Dropped { count: 4 });
    let got: Vec<_> = std::iter::from_fn(|| client.next_event().unwrap()).collect();
    assert_eq!(
        got,
        vec![
            Received::Connected { granted: wanted, capabilities: capabilities() },
            Received::Dropped { count: 3 },
            Received::Event(Event::Key { code: 30, pressed: true }),
            Received::Dropped { count: 4 },
        ]
    );
    assert!(client.is_connected() && client.granted() == Some(wanted));
    assert_eq!(client.dropped(), 7);
    assert!(client.take_doorbell(), "room was made in the ring");
    // The backend restarts: epoch 2. The client follows and connects again.
    let mut backend = backend_link(&window, 2);
    assert_eq!(client.follow(2), Ok(true));
    assert!(!client.is_connected());
    assert_eq!(client.next_event(), Ok(None));
    assert!(matches!(decode_request(backend.pop(&mut buf).unwrap()), Ok(Request::Connect { .. })));
}

#[test]
fn r10_garbage_from_the_backend_is_skipped_and_a_refusal_reported() {
    let window = TestWindow::new(WINDOW);
    let mut backend = backend_link(&window, 1);
    let mut client = InputClient::new(client_link(&window, 1), EVERYTHING);
    assert_eq!(client.next_event(), Ok(None));
    backend.push(&[0xee; 5]).unwrap();
    backend.push(&[]).unwrap();
    send(&mut backend, &Message::Refused { version: 9 });
    assert_eq!(client.next_event(), Ok(Some(Received::Refused { version: 9 })));
    assert_eq!(client.garbage(), 2);
    assert!(client.is_refused() && !client.is_connected());
}

#[test]
fn r10_an_oversized_frame_is_an_error_not_a_panic() {
    let window = TestWindow::new(WINDOW);
    let mut backend = backend_link(&window, 1);
    let mut client = InputClient::new(client_link(&window, 1), EVERYTHING);
    assert_eq!(client.next_event(), Ok(None));
    backend.push(&[0u8; 600]).unwrap();
    assert_eq!(client.next_event(), Err(LinkError::Ring(RingError::BufferTooSmall { needed: 600 })));
}
