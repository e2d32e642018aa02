// SPDX-License-Identifier: MIT
//! The board's mixing policy: per client, a priority, a default volume and
//! the streams it may open; how far and how fast lower priorities are
//! ducked while a higher one plays; which one client receives capture.
//!
//! Owns the policy's consistency; must not hold stream state.

use heapless::Vec;

/// A client, by its index among the sound domain's client channels.
pub type ClientId = u8;
/// Clients per sound domain.
pub const MAX_CLIENTS: usize = 8;

/// One client's rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientPolicy {
    /// Higher plays over lower (ducks it).
    pub priority: u8,
    /// Volume at open, tenths of a dB (0: unity).
    pub default_volume: i32,
    /// Playback streams it may have open at once.
    pub max_playback: u8,
    /// Whether it receives capture (exactly one client may).
    pub capture: bool,
}

/// The whole policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Client `n` is `clients[n]`.
    pub clients: Vec<ClientPolicy, MAX_CLIENTS>,
    /// How far a ducked stream is lowered, tenths of a dB (e.g. -120).
    pub duck_tenths_db: i32,
    /// How long the ramp down or up lasts, in device frames.
    pub ramp_frames: u32,
}

/// A policy that cannot be enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyError {
    /// No client.
    NoClients,
    /// More than one client receives capture.
    TwoCaptureClients,
    /// Ducking would raise the level, or the ramp is zero (a click).
    BadDucking,
}

impl Policy {
    /// Checks that it can be enforced.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.clients.is_empty() {
            return Err(PolicyError::NoClients);
        }
        if self.clients.iter().filter(|c| c.capture).count() > 1 {
            return Err(PolicyError::TwoCaptureClients);
        }
        if self.duck_tenths_db > 0 || self.ramp_frames == 0 {
            return Err(PolicyError::BadDucking);
        }
        Ok(())
    }

    /// Client `client`'s rights.
    pub fn client(&self, client: ClientId) -> Option<&ClientPolicy> {
        self.clients.get(usize::from(client))
    }
}
