// SPDX-License-Identifier: MIT
//! The composition policy as the board file's `params` of the display
//! domain carry it (the kernel keeps 128 bytes of them, so it is terse):
//!
//! ```text
//! clients=cluster,ivi c0=1280x720:cluster@10,ivi@5b:p=cluster/0,0,1280,80 c1=1280x720:ivi@1
//! ```
//!
//! - `clients=` names the clients in order (client `n` is the `n`th; its
//!   channel is `display-<name>`);
//! - `c<n>=<width>x<height>` is connector `n`'s mode, then `:`-separated
//!   parts: the placements `<client>@<z>` (a trailing `b`: its ARGB alpha
//!   is blended) separated by `,`, and `p=<owner>/<x>,<y>,<w>,<h>` for
//!   each protected region (several separated by `;`).
//!
//! Owns only the parsing; [`Policy::validate`] checks what it builds. Any
//! word it does not know, any name not in `clients=`, any number that
//! does not parse, is an error naming the word.

use crate::policy::{
    ClientId, ConnectorPolicy, MAX_CLIENTS, MAX_CONNECTORS, Placement, Policy, PolicyError, Protected,
};
use bulkhead_display::Rect;
use heapless::Vec;

/// What every connector shows where no surface is (a dark blue-grey).
pub const BACKGROUND: u32 = 0x10_18_20;

/// The display domain's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params<'a> {
    /// Client names, in client-id order.
    pub clients: Vec<&'a str, MAX_CLIENTS>,
    /// The composition policy (validated).
    pub policy: Policy,
    /// Other `key=value` words (`bench=1`, `crash=...`), for the domain.
    pub extra: Vec<(&'a str, &'a str), 4>,
}

/// Why the parameters were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamsError<'a> {
    /// This word is malformed or names an unknown client.
    Word(&'a str),
    /// No `clients=`, or more clients or connectors than the domain holds.
    Limits,
    /// Connector numbers must run 0, 1, ... in order.
    ConnectorOrder(&'a str),
    /// The policy is inconsistent.
    Policy(PolicyError),
}

fn number(s: &str) -> Option<u32> {
    s.parse().ok()
}

impl<'a> Params<'a> {
    /// Parses `text`.
    pub fn parse(text: &'a str) -> Result<Self, ParamsError<'a>> {
        let mut clients: Vec<&str, MAX_CLIENTS> = Vec::new();
        let mut policy = Policy::default();
        let mut extra = Vec::new();
        // Clients first: connectors name them.
        for word in text.split_whitespace() {
            if let Some(list) = word.strip_prefix("clients=") {
                for name in list.split(',') {
                    if name.is_empty() || clients.contains(&name) {
                        return Err(ParamsError::Word(word));
                    }
                    clients.push(name).map_err(|_| ParamsError::Limits)?;
                }
            }
        }
        if clients.is_empty() {
            return Err(ParamsError::Limits);
        }
        let id = |name: &str| clients.iter().position(|c| *c == name).and_then(|i| ClientId::try_from(i).ok());
        for word in text.split_whitespace() {
            if word.starts_with("clients=") {
                continue;
            }
            let Some((key, value)) = word.split_once('=') else { return Err(ParamsError::Word(word)) };
            let Some(n) = key.strip_prefix('c').and_then(number) else {
                extra.push((key, value)).map_err(|_| ParamsError::Word(word))?;
                continue;
            };
            if n as usize != policy.connectors.len() {
                return Err(ParamsError::ConnectorOrder(word));
            }
            if policy.connectors.len() == MAX_CONNECTORS {
                return Err(ParamsError::Limits);
            }
            let connector = connector(word, value, &id)?;
            policy.connectors.push(connector).map_err(|_| ParamsError::Limits)?;
        }
        policy.validate().map_err(ParamsError::Policy)?;
        Ok(Params { clients, policy, extra })
    }

    /// The value of an extra word `key=value`.
    pub fn extra(&self, key: &str) -> Option<&'a str> {
        self.extra.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

fn connector<'a>(
    word: &'a str,
    value: &'a str,
    id: &dyn Fn(&str) -> Option<ClientId>,
) -> Result<ConnectorPolicy, ParamsError<'a>> {
    let bad = ParamsError::Word(word);
    let mut parts = value.split(':');
    let (w, h) = parts.next().and_then(|m| m.split_once('x')).ok_or(bad)?;
    let mut c = ConnectorPolicy {
        width: number(w).ok_or(bad)?,
        height: number(h).ok_or(bad)?,
        background: BACKGROUND,
        placements: Vec::new(),
        protected: Vec::new(),
    };
    for part in parts {
        if let Some(regions) = part.strip_prefix("p=") {
            for region in regions.split(';') {
                let (owner, rect) = region.split_once('/').ok_or(bad)?;
                let mut n = rect.split(',').map(number);
                let mut next = || n.next().flatten().ok_or(bad);
                let area = Rect::new(next()?, next()?, next()?, next()?);
                if n.next().is_some() {
                    return Err(bad);
                }
                c.protected.push(Protected { owner: id(owner).ok_or(bad)?, area }).map_err(|_| bad)?;
            }
        } else {
            for placement in part.split(',') {
                let (name, z) = placement.split_once('@').ok_or(bad)?;
                let (z, blend) = match z.strip_suffix('b') {
                    Some(z) => (z, true),
                    None => (z, false),
                };
                let z = u8::try_from(number(z).ok_or(bad)?).map_err(|_| bad)?;
                c.placements.push(Placement { client: id(name).ok_or(bad)?, z, blend }).map_err(|_| bad)?;
            }
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOARD: &str =
        "clients=cluster,ivi c0=1280x720:cluster@10,ivi@5b:p=cluster/0,0,1280,80 c1=1280x720:ivi@1 bench=1";

    #[test]
    fn the_board_policy_parses() {
        assert!(BOARD.len() <= 128, "fits the kernel's params");
        let p = Params::parse(BOARD).unwrap();
        assert_eq!(p.clients.as_slice(), ["cluster", "ivi"]);
        assert_eq!(p.extra("bench"), Some("1"));
        let c0 = &p.policy.connectors[0];
        assert_eq!((c0.width, c0.height), (1280, 720));
        assert_eq!(
            c0.placements.as_slice(),
            [Placement { client: 0, z: 10, blend: false }, Placement { client: 1, z: 5, blend: true }]
        );
        assert_eq!(c0.protected.as_slice(), [Protected { owner: 0, area: Rect::new(0, 0, 1280, 80) }]);
        assert_eq!(p.policy.connectors[1].placements.as_slice(), [Placement { client: 1, z: 1, blend: false }]);
    }

    #[test]
    fn every_mistake_names_its_word() {
        for (text, word) in [
            ("clients=a c0=10x10:b@1", "c0=10x10:b@1"),
            ("clients=a c0=10y10", "c0=10y10"),
            ("clients=a c0=10x10:a@x", "c0=10x10:a@x"),
            ("clients=a c0=10x10:a@300", "c0=10x10:a@300"),
            ("clients=a c0=10x10:a@1:p=a/0,0,1", "c0=10x10:a@1:p=a/0,0,1"),
            ("clients=a c0=10x10:a@1:p=a/0,0,1,1,1", "c0=10x10:a@1:p=a/0,0,1,1,1"),
            ("clients=a,a", "clients=a,a"),
            ("clients=a junk", "junk"),
        ] {
            assert_eq!(Params::parse(text), Err(ParamsError::Word(word)), "{text}");
        }
        assert_eq!(Params::parse("c0=10x10"), Err(ParamsError::Limits));
        assert_eq!(Params::parse("clients=a c1=10x10:a@1"), Err(ParamsError::ConnectorOrder("c1=10x10:a@1")));
        assert!(matches!(
            Params::parse("clients=a c0=10x10:a@1:p=a/5,5,10,10"),
            Err(ParamsError::Policy(PolicyError::RegionOffScreen { connector: 0, region: 0 }))
        ));
    }
}
