// SPDX-License-Identifier: MIT
//! The backend: devices in, clients out.
//!
//! Each client has its own channel (a [`Link`]), session, grant and
//! queue. A client connects in each channel epoch with
//! `Request::Connect`; the backend answers `Connected` with what it grants
//! and its devices' capabilities (or `Refused` for another protocol
//! version), then sends it the events the focus policy routes to it and
//! its grant admits. Sending never waits: what does not fit in a client's
//! ring stays in its queue, and what does not fit in the queue drops the
//! oldest, so a slow client loses its own old events and nobody else's.
//! A client that breaks its ring is no longer served until its next
//! epoch; garbage requests are counted and skipped.
//!
//! Owns: the translators, the focus policy, the sessions and queues, and
//! the order of what goes onto each ring (reply, drop report, events).
//! Must not touch: the devices themselves, the kernel (epochs come in
//! through [`Backend::follow`], doorbells go out as [`Doorbells`]).

use crate::device::DeviceConfig;
use crate::evdev::{Class, RawEvent, Translator};
use crate::focus::{FocusConfig, FocusError, FocusPolicy, Route};
use crate::grant::{Offer, admits};
use crate::queue::EventQueue;
use bulkhead_input::{Event, Features, Message, Request, VERSION, decode_request};
use bulkhead_ring::{Link, LinkError, RingError, SetupError, Window};

/// Devices one backend serves, at most.
pub const MAX_DEVICES: usize = 8;
/// The largest encoded message (a `Connected` with every key is ~150 bytes);
/// each ring must carry frames of this size (capacity >= 256).
pub const MAX_MESSAGE: usize = 256;

/// Why a backend cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendError<'a> {
    /// The focus description is wrong.
    Focus(FocusError<'a>),
    /// More devices or clients than the backend holds (clients: at most 32
    /// and the `CLIENTS` parameter).
    TooMany,
}

/// Clients whose doorbell should ring (bit i: client i).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Doorbells(pub u32);

impl Doorbells {
    /// Whether client `i`'s doorbell should ring.
    pub fn contains(self, i: usize) -> bool {
        u32::try_from(i).ok().and_then(|i| self.0.checked_shr(i)).is_some_and(|b| b & 1 != 0)
    }

    fn add(&mut self, i: usize) {
        if let Some(bit) = u32::try_from(i).ok().and_then(|i| 1u32.checked_shl(i)) {
            self.0 |= bit;
        }
    }

    fn merge(&mut self, other: Self) {
        self.0 |= other.0;
    }
}

/// What happened to one client's events (since the backend started).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientStats {
    /// Events put on its ring.
    pub delivered: u64,
    /// Events dropped from its full queue (all reported or to be reported).
    pub dropped: u64,
    /// Events merged into queued ones.
    pub coalesced: u64,
    /// Events routed to it while it was not connected or not granted them.
    pub undelivered: u64,
    /// Frames from it that were not a request.
    pub garbage: u64,
    /// Connections (Connected replies).
    pub connects: u64,
    /// Connections refused (version).
    pub refusals: u64,
    /// New epochs followed.
    pub epochs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Session {
    /// Waiting for `Connect` (link down or up).
    Waiting,
    /// Connected with this grant.
    Connected(Features),
    /// Refused: waits for another `Connect` or epoch.
    Refused,
    /// The client broke its ring: nothing more in this epoch.
    Broken,
}

struct Client<W: Window + Clone, const Q: usize> {
    link: Link<W>,
    session: Session,
    /// A reply to send before anything else.
    reply: Option<Message>,
    queue: EventQueue<Q>,
    stats: ClientStats,
}

impl<W: Window + Clone, const Q: usize> Client<W, Q> {
    fn restart(&mut self) {
        self.stats.dropped += self.queue.dropped();
        self.stats.coalesced += self.queue.coalesced();
        self.queue.reset();
        self.session = Session::Waiting;
        self.reply = None;
    }

    /// Sends one message; `Ok(false)` if the ring is full.
    fn send(&mut self, message: &Message) -> Result<bool, LinkError> {
        let mut scratch = [0u8; MAX_MESSAGE];
        let Ok(bytes) = postcard::to_slice(message, &mut scratch) else { return Ok(true) };
        match self.link.push(bytes) {
            Ok(()) => Ok(true),
            Err(LinkError::Ring(RingError::Full)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Puts the reply, the drop report and queued events on the ring while
    /// it has room; true if anything was put.
    fn flush(&mut self) -> bool {
        let mut sent = false;
        match self.put(&mut sent) {
            Ok(()) => {}
            Err(LinkError::Ring(RingError::Broken(_))) => {
                self.restart();
                self.session = Session::Broken;
            }
            Err(_) => self.restart(),
        }
        sent
    }

    fn put(&mut self, sent: &mut bool) -> Result<(), LinkError> {
        if let Some(reply) = self.reply {
            if !self.send(&reply)? {
                return Ok(());
            }
            self.reply = None;
            *sent = true;
        }
        if !matches!(self.session, Session::Connected(_)) {
            return Ok(());
        }
        if self.queue.unreported() > 0 {
            if !self.send(&Message::Dropped { count: self.queue.unreported() })? {
                return Ok(());
            }
            self.queue.reported();
            *sent = true;
        }
        while let Some(&event) = self.queue.front() {
            if !self.send(&Message::Event(event))? {
                break;
            }
            self.queue.pop();
            self.stats.delivered += 1;
            *sent = true;
        }
        Ok(())
    }

    /// Takes the client's requests.
    fn serve_requests(&mut self, offer: &Offer) {
        let mut buf = [0u8; MAX_MESSAGE];
        loop {
            if self.session == Session::Broken {
                return;
            }
            let request = match self.link.pop(&mut buf) {
                Ok(frame) => decode_request(frame),
                Err(LinkError::Ring(RingError::Empty)) => return,
                Err(LinkError::Ring(RingError::Broken(_) | RingError::BufferTooSmall { .. })) => {
                    // A frame larger than any request wedges the ring: the
                    // client broke it.
                    self.restart();
                    self.session = Session::Broken;
                    return;
                }
                Err(_) => {
                    if self.session != Session::Waiting {
                        self.restart();
                    }
                    return;
                }
            };
            match request {
                Ok(Request::Connect { version, wanted }) => {
                    self.restart();
                    if version == VERSION {
                        let granted = offer.grant(wanted);
                        self.session = Session::Connected(granted);
                        self.reply =
                            Some(Message::Connected { version: VERSION, granted, capabilities: offer.capabilities });
                        self.stats.connects += 1;
                    } else {
                        self.session = Session::Refused;
                        self.reply = Some(Message::Refused { version: VERSION });
                        self.stats.refusals += 1;
                    }
                }
                Err(_) => self.stats.garbage += 1,
            }
        }
    }
}

/// The input backend: `CLIENTS` clients over windows `W`, each with a
/// queue of `QUEUE` events.
pub struct Backend<W: Window + Clone, const CLIENTS: usize, const QUEUE: usize> {
    devices: heapless::Vec<Option<Translator>, MAX_DEVICES>,
    offer: Offer,
    focus: FocusPolicy,
    clients: heapless::Vec<Client<W, QUEUE>, CLIENTS>,
}

impl<W: Window + Clone, const CLIENTS: usize, const QUEUE: usize> Backend<W, CLIENTS, QUEUE> {
    /// A backend for `devices` (index = position; a device of no known
    /// kind keeps its index and is ignored), routing by `focus` among
    /// `clients` (name and link; index = position).
    pub fn new<'a, const N: usize>(
        devices: &[DeviceConfig],
        focus: &FocusConfig<'a>,
        clients: [(&str, Link<W>); N],
    ) -> Result<Self, BackendError<'a>> {
        if N > CLIENTS || N > 32 || devices.len() > MAX_DEVICES {
            return Err(BackendError::TooMany);
        }
        let names: heapless::Vec<&str, CLIENTS> = clients.iter().map(|(name, _)| *name).collect();
        let focus = FocusPolicy::new(focus, &names).map_err(BackendError::Focus)?;
        let mut translators = heapless::Vec::new();
        for d in devices {
            translators.push(Translator::for_device(d)).map_err(|_| BackendError::TooMany)?;
        }
        let mut list = heapless::Vec::new();
        for (_, link) in clients {
            let client = Client {
                link,
                session: Session::Waiting,
                reply: None,
                queue: EventQueue::new(),
                stats: ClientStats::default(),
            };
            list.push(client).map_err(|_| BackendError::TooMany)?;
        }
        Ok(Self { devices: translators, offer: Offer::of(devices), focus, clients: list })
    }

    /// Takes one evdev event from device `device`: translates it, routes
    /// each resulting event, queues it and puts what fits on the rings.
    pub fn device_event(&mut self, device: usize, raw: RawEvent) -> Doorbells {
        let mut rang = Doorbells::default();
        let Some(Some(translator)) = self.devices.get_mut(device) else { return rang };
        let class = translator.class();
        let (focus, clients) = (&mut self.focus, &mut self.clients);
        translator.feed(raw, &mut |event| {
            if let Route::To(i) = focus.route(class, &event) {
                deliver(clients, i, class, event);
            }
        });
        for (i, client) in self.clients.iter_mut().enumerate() {
            if !client.queue.is_empty() && client.flush() {
                rang.add(i);
            }
        }
        rang
    }

    /// Takes each client's requests (connects), then puts replies and
    /// queued events on the rings. Call on every doorbell.
    pub fn service(&mut self) -> Doorbells {
        let mut rang = Doorbells::default();
        for (i, client) in self.clients.iter_mut().enumerate() {
            client.serve_requests(&self.offer);
            if client.flush() {
                rang.add(i);
            }
        }
        rang
    }

    /// Follows client `client`'s channel epoch (from the kernel): a new
    /// epoch reconnects its link and its session starts over (nothing
    /// queued survives). True if the epoch changed.
    pub fn follow(&mut self, client: usize, epoch: u32) -> Result<bool, SetupError> {
        let Some(c) = self.clients.get_mut(client) else { return Ok(false) };
        let changed = c.link.follow(epoch)?;
        if changed {
            c.restart();
            c.stats.epochs += 1;
        }
        Ok(changed)
    }

    /// Services after a doorbell, then follows every epoch: for a domain
    /// loop, `epochs(i)` is client i's channel epoch.
    pub fn poll(&mut self, mut epochs: impl FnMut(usize) -> u32) -> Result<Doorbells, SetupError> {
        let mut rang = Doorbells::default();
        for i in 0..self.clients.len() {
            if self.follow(i, epochs(i))? {
                rang.add(i);
            }
        }
        rang.merge(self.service());
        Ok(rang)
    }

    /// The client with keyboard focus.
    pub fn keyboard_focus(&self) -> Option<usize> {
        self.focus.keyboard_focus()
    }

    /// What the devices offer.
    pub fn offer(&self) -> &Offer {
        &self.offer
    }

    /// Client `client`'s counters.
    pub fn stats(&self, client: usize) -> ClientStats {
        self.clients.get(client).map_or_else(ClientStats::default, |c| ClientStats {
            dropped: c.stats.dropped + c.queue.dropped(),
            coalesced: c.stats.coalesced + c.queue.coalesced(),
            ..c.stats
        })
    }

    /// Events waiting in client `client`'s queue.
    pub fn queued(&self, client: usize) -> usize {
        self.clients.get(client).map_or(0, |c| c.queue.len())
    }

    /// Whether client `client` is connected (it sent `Connect` in this epoch
    /// and was not refused).
    pub fn is_connected(&self, client: usize) -> bool {
        self.clients.get(client).is_some_and(|c| matches!(c.session, Session::Connected(_)))
    }
}

/// Queues `event` for client `i` if its session and grant take it.
fn deliver<W: Window + Clone, const Q: usize>(clients: &mut [Client<W, Q>], i: usize, class: Class, event: Event) {
    let Some(client) = clients.get_mut(i) else { return };
    match client.session {
        Session::Connected(granted) if admits(&granted, class, &event) => client.queue.push(event),
        _ => client.stats.undelivered += 1,
    }
}

#[cfg(test)]
mod tests {
    use super::Doorbells;

    #[test]
    fn doorbells_name_clients_by_bit() {
        let mut d = Doorbells::default();
        d.add(0);
        d.add(31);
        d.add(32); // beyond: ignored
        assert!(d.contains(0) && d.contains(31) && !d.contains(1) && !d.contains(32));
        let mut e = Doorbells::default();
        e.add(5);
        d.merge(e);
        assert!(d.contains(5));
    }
}
