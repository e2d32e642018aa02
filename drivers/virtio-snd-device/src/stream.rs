// SPDX-License-Identifier: MIT
//! The PCM command lifecycle of stream 0 ([`StreamState`]), virtio 1.2
//! 5.14.6.6.1: SET_PARAMS may follow the initial state, SET_PARAMS,
//! PREPARE or RELEASE; PREPARE may follow SET_PARAMS, PREPARE or RELEASE;
//! START may follow PREPARE or STOP; STOP may follow START; RELEASE may
//! follow PREPARE or STOP. Anything else is out of order.
//!
//! Owns the transitions; must not check parameters (see `params`) nor
//! touch buffers in flight (see `device`).

/// Where stream 0 is in its lifecycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StreamState {
    /// After a reset: no parameters yet.
    #[default]
    Idle,
    /// Parameters set (SET_PARAMS).
    ParamsSet,
    /// Prepared (PREPARE): the driver may pre-buffer playback.
    Prepared,
    /// Running (START): buffers are played.
    Started,
    /// Paused (STOP): buffers in flight are kept.
    Stopped,
    /// Released (RELEASE): no buffers in flight; the parameters stay.
    Released,
}

/// A lifecycle command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// PCM_SET_PARAMS (already found acceptable).
    SetParams,
    /// PCM_PREPARE.
    Prepare,
    /// PCM_START.
    Start,
    /// PCM_STOP.
    Stop,
    /// PCM_RELEASE.
    Release,
}

impl StreamState {
    /// The state after `cmd`, or None if `cmd` is out of order here.
    pub fn after(self, cmd: Command) -> Option<Self> {
        use StreamState::*;
        match (cmd, self) {
            (Command::SetParams, Idle | ParamsSet | Prepared | Released) => Some(ParamsSet),
            (Command::Prepare, ParamsSet | Prepared | Released) => Some(Prepared),
            (Command::Start, Prepared | Stopped) => Some(Started),
            (Command::Stop, Started) => Some(Stopped),
            (Command::Release, Prepared | Stopped) => Some(Released),
            _ => None,
        }
    }

    /// Whether the driver may queue playback buffers: PREPARE (pre-buffer)
    /// or START.
    pub fn takes_buffers(self) -> bool {
        matches!(self, Self::Prepared | Self::Started)
    }

    /// Whether buffers may be in flight: prepared, started or stopped.
    pub fn holds_buffers(self) -> bool {
        matches!(self, Self::Prepared | Self::Started | Self::Stopped)
    }
}

/// Stream 0: its lifecycle state and its parameters once set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stream {
    /// The lifecycle state.
    pub state: StreamState,
    /// The parameters of the last accepted SET_PARAMS.
    pub params: Option<crate::params::PcmParams>,
}
