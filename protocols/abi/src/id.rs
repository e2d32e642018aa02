// SPDX-License-Identifier: MIT
//! Identifiers of kernel objects.

use core::fmt;
use serde::{Deserialize, Serialize};

/// A domain's index in the image's configuration (0-based, dense).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DomainId(u16);

impl DomainId {
    /// Wraps a raw index.
    pub const fn new(raw: u16) -> Self {
        Self(raw)
    }

    /// The index as a `usize`, for table lookups.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for DomainId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "d{}", self.0)
    }
}
