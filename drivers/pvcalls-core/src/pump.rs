// SPDX-License-Identifier: MIT
//! The data pump of one connection: the client's outbound stream into the
//! TCP socket's transmit buffer (only what it takes: the rest stays in the
//! stream), the TCP receive buffer into the client's inbound stream (only
//! what the stream has room for: the rest stays in smoltcp, whose
//! advertised window shrinks, which is the flow control), and the end of
//! each direction (FIN, reset) both ways.
//!
//! Owns the moves of one connection; must not touch any other socket,
//! and must not decide what happens to a connection whose ring broke (the
//! backend does).

use crate::table::Connection;
use bulkhead_pvcalls::stream::{Broken, StreamState};
use bulkhead_ring::Window;
use smoltcp::socket::tcp::{self, RecvError, State};

/// What one pump moved.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Moved {
    /// Bytes from the client to the network.
    pub to_net: u64,
    /// Bytes from the network to the client.
    pub to_client: u64,
    /// A stream's state was published.
    pub signalled: bool,
}

impl Moved {
    pub fn any(&self) -> bool {
        self.to_net > 0 || self.to_client > 0 || self.signalled
    }
}

/// Moves what can move. `Err`: the client broke one of the streams.
pub(crate) fn pump<W: Window>(
    c: &mut Connection<W>,
    tcp: &mut tcp::Socket<'_>,
    scratch: &mut [u8],
) -> Result<Moved, Broken> {
    let mut moved = Moved::default();
    outbound(c, tcp, scratch, &mut moved)?;
    inbound(c, tcp, scratch, &mut moved)?;
    Ok(moved)
}

fn outbound<W: Window>(
    c: &mut Connection<W>,
    tcp: &mut tcp::Socket<'_>,
    scratch: &mut [u8],
    moved: &mut Moved,
) -> Result<(), Broken> {
    while tcp.may_send() {
        let room = tcp.send_capacity().saturating_sub(tcp.send_queue());
        let n = c.to_net.seen()?.available.min(room).min(scratch.len());
        let Some(chunk) = scratch.get_mut(..n).filter(|c| !c.is_empty()) else { break };
        let got = c.to_net.read(chunk)?;
        let sent = chunk.get(..got).map_or(0, |part| tcp.send_slice(part).unwrap_or(0));
        moved.to_net += sent as u64;
        if sent < got {
            // Cannot happen (the room was measured): but never lose bytes
            // silently.
            return Err(Broken { ours: 0, theirs: 0 });
        }
    }
    if !c.out_done {
        let seen = c.to_net.seen()?;
        match seen.state {
            StreamState::Closed if seen.available == 0 => {
                tcp.close();
                c.out_done = true;
            }
            StreamState::Reset => {
                tcp.abort();
                c.out_done = true;
            }
            _ => {}
        }
    }
    Ok(())
}

fn inbound<W: Window>(
    c: &mut Connection<W>,
    tcp: &mut tcp::Socket<'_>,
    scratch: &mut [u8],
    moved: &mut Moved,
) -> Result<(), Broken> {
    if c.in_done {
        return Ok(());
    }
    loop {
        let n = c.to_client.free()?.min(tcp.recv_queue()).min(scratch.len());
        let Some(chunk) = scratch.get_mut(..n).filter(|c| !c.is_empty()) else { break };
        let got = tcp.recv_slice(chunk).unwrap_or(0);
        let Some(part) = chunk.get(..got).filter(|p| !p.is_empty()) else { break };
        let written = c.to_client.write(part)?;
        moved.to_client += written as u64;
        if written < got {
            // The client moved its index backwards: a lie.
            return Err(Broken { ours: 0, theirs: 0 });
        }
    }
    if matches!(tcp.state(), State::CloseWait | State::LastAck | State::Closing | State::TimeWait)
        || matches!(tcp.recv_slice(&mut []), Err(RecvError::Finished))
    {
        c.saw_fin = true;
    }
    if tcp.recv_queue() == 0 {
        if c.saw_fin {
            c.to_client.set_state(StreamState::Closed);
            c.in_done = true;
            moved.signalled = true;
        } else if tcp.state() == State::Closed {
            c.to_client.set_state(StreamState::Reset);
            c.in_done = true;
            moved.signalled = true;
        }
    }
    Ok(())
}
