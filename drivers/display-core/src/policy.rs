// SPDX-License-Identifier: MIT
//! The board file's composition policy, per connector: which clients may
//! show surfaces there, in which z-order, whether their ARGB alpha is
//! honoured, and the protected regions (each owned by one client) that no
//! other client's surface may cover or blend into.
//!
//! Owns the policy's own consistency ([`Policy::validate`]) and the one
//! question every configuration asks ([`Policy::check_area`]): a
//! conflict is refused, never clipped. Must not hold client state.

use bulkhead_display::Rect;
use heapless::Vec;

/// A client, by its index among the display domain's client channels.
pub type ClientId = u8;

/// Connectors per display domain.
pub const MAX_CONNECTORS: usize = 4;
/// Clients per connector (and per display domain).
pub const MAX_CLIENTS: usize = 8;
/// Protected regions per connector.
pub const MAX_PROTECTED: usize = 8;

/// A client allowed on a connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Which client.
    pub client: ClientId,
    /// Its z-order: higher is drawn later (on top); unique per connector.
    pub z: u8,
    /// Whether its ARGB8888 alpha is honoured (else drawn opaque).
    pub blend: bool,
}

/// A rectangle only its owner may draw into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protected {
    /// The client that owns it.
    pub owner: ClientId,
    /// Where it is on the connector.
    pub area: Rect,
}

/// One connector's policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorPolicy {
    /// Its mode: width in pixels.
    pub width: u32,
    /// Its mode: height in pixels.
    pub height: u32,
    /// What shows where no surface is (`0xRRGGBB`).
    pub background: u32,
    /// The clients that may show surfaces on it.
    pub placements: Vec<Placement, MAX_CLIENTS>,
    /// Its protected regions, by index (the index events and errors name).
    pub protected: Vec<Protected, MAX_PROTECTED>,
}

/// The whole policy: connector `n` is `connectors[n]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// The connectors.
    pub connectors: Vec<ConnectorPolicy, MAX_CONNECTORS>,
}

/// A policy that cannot be enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyError {
    /// No connector, or a connector with a zero-sized mode.
    NoMode {
        /// The connector.
        connector: u8,
    },
    /// Two placements of one connector name the same client or z.
    DuplicatePlacement {
        /// The connector.
        connector: u8,
        /// The second one's client.
        client: ClientId,
    },
    /// A protected region is empty or not inside its connector.
    RegionOffScreen {
        /// The connector.
        connector: u8,
        /// The region.
        region: u8,
    },
    /// A protected region's owner may not show on its connector.
    OwnerNotPlaced {
        /// The connector.
        connector: u8,
        /// The region.
        region: u8,
    },
    /// Two protected regions of different owners overlap.
    RegionsOverlap {
        /// The connector.
        connector: u8,
        /// The first region.
        first: u8,
        /// The second region.
        second: u8,
    },
}

/// Why a configuration was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The connector does not exist.
    NoSuchConnector,
    /// The client may not show on this connector.
    NotPlaced,
    /// The area is not inside the connector.
    OffScreen,
    /// The area would cover protected region `n`, which another client owns.
    CoversProtected(u8),
}

fn index(i: usize) -> u8 {
    u8::try_from(i).unwrap_or(u8::MAX)
}

impl Policy {
    /// Checks that the policy can be enforced.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.connectors.is_empty() {
            return Err(PolicyError::NoMode { connector: 0 });
        }
        for (c, conn) in self.connectors.iter().enumerate() {
            let connector = index(c);
            if conn.width == 0 || conn.height == 0 {
                return Err(PolicyError::NoMode { connector });
            }
            for (i, p) in conn.placements.iter().enumerate() {
                if conn.placements.iter().take(i).any(|q| q.client == p.client || q.z == p.z) {
                    return Err(PolicyError::DuplicatePlacement { connector, client: p.client });
                }
            }
            for (r, region) in conn.protected.iter().enumerate() {
                let region_index = index(r);
                if region.area.is_empty() || !region.area.fits_in(conn.width, conn.height) {
                    return Err(PolicyError::RegionOffScreen { connector, region: region_index });
                }
                if !conn.placements.iter().any(|p| p.client == region.owner) {
                    return Err(PolicyError::OwnerNotPlaced { connector, region: region_index });
                }
                if let Some(first) =
                    conn.protected.iter().take(r).position(|o| o.owner != region.owner && o.area.overlaps(&region.area))
                {
                    return Err(PolicyError::RegionsOverlap { connector, first: index(first), second: region_index });
                }
            }
        }
        Ok(())
    }

    /// The connector's policy.
    pub fn connector(&self, connector: u8) -> Option<&ConnectorPolicy> {
        self.connectors.get(usize::from(connector))
    }

    /// Whether `client` may show a surface at `area` on `connector`; its
    /// placement if so.
    pub fn check_area(&self, connector: u8, client: ClientId, area: Rect) -> Result<Placement, Refusal> {
        let conn = self.connector(connector).ok_or(Refusal::NoSuchConnector)?;
        let placement = *conn.placements.iter().find(|p| p.client == client).ok_or(Refusal::NotPlaced)?;
        if !area.fits_in(conn.width, conn.height) {
            return Err(Refusal::OffScreen);
        }
        if let Some(r) = conn.protected.iter().position(|r| r.owner != client && r.area.overlaps(&area)) {
            return Err(Refusal::CoversProtected(index(r)));
        }
        Ok(placement)
    }
}
