// SPDX-License-Identifier: MIT
//! The sound domain's test harness: its certification evidence.
//!
//! The backend's logic (`bulkhead-sound-core`) runs against simulated
//! clients whose windows live in host memory, with the policy of
//! [`rig::policy`] (a cluster at priority 10 that ducks an IVI at
//! priority 1 by 12 dB over a 4-frame ramp). Each module checks one
//! requirement of `drivers/sound-core/README.md` (S1..S7); the golden
//! mixes are explicit sample lists.

mod rig;

mod s1_mix;
mod s2_ducking;
mod s3_volume;
mod s4_underrun;
mod s5_hostile;
mod s6_position;
mod s7_policy;
