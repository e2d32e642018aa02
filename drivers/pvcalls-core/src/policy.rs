// SPDX-License-Identifier: MIT
//! The board's firewall and limits for each client, from the network
//! domain's `params`:
//!
//! ```text
//! clients=echo,probe echo=listen=7,sockets=8,bytes=262144 probe=connect=10.0.2.2:5555,connect=10.0.2.2:*
//! ```
//!
//! `clients=` names the clients in order (client `n` is the `n`th); each
//! `<client>=` word lists its rules, comma-separated: `connect=A.B.C.D:PORT`
//! or `connect=A.B.C.D:*` (may connect there), `listen=PORT` (may listen
//! there), `sockets=N` (sockets at once, backlog slots included; default
//! [`DEFAULT_SOCKETS`]), `bytes=N` (data-ring bytes at once; default
//! [`DEFAULT_RING_BYTES`]). A client without a `<client>=` word may open
//! nothing. Other words (`ip=`, `crash=`, ...) are not this module's.
//!
//! Owns the parsing of those words and the rule match; must not touch
//! sockets or the network.

use alloc::vec::Vec;
use core::net::Ipv4Addr;
use heapless::String;

/// Sockets a client may hold when its entry does not say.
pub const DEFAULT_SOCKETS: u16 = 8;
/// Data-ring bytes a client may use when its entry does not say.
pub const DEFAULT_RING_BYTES: u32 = 262_144;
/// Clients one network domain serves (one doorbell bit each).
pub const MAX_CLIENTS: usize = 32;

/// Where a client may connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectRule {
    /// The peer's address.
    pub address: Ipv4Addr,
    /// The peer's port; `None`: any port (`*`).
    pub port: Option<u16>,
}

impl ConnectRule {
    /// Whether the rule allows `address`:`port`.
    #[must_use]
    pub fn allows(&self, address: Ipv4Addr, port: u16) -> bool {
        self.address == address && self.port.is_none_or(|p| p == port)
    }
}

/// One client's firewall and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientPolicy {
    /// The client's name.
    pub name: String<16>,
    /// Where it may connect.
    pub connect: Vec<ConnectRule>,
    /// The ports it may listen on.
    pub listen: Vec<u16>,
    /// Sockets at once (listening backlog slots included).
    pub max_sockets: u16,
    /// Data-ring bytes at once.
    pub max_ring_bytes: u32,
}

impl ClientPolicy {
    /// A client that may open nothing, with the default limits.
    #[must_use]
    pub fn closed(name: String<16>) -> Self {
        Self {
            name,
            connect: Vec::new(),
            listen: Vec::new(),
            max_sockets: DEFAULT_SOCKETS,
            max_ring_bytes: DEFAULT_RING_BYTES,
        }
    }

    /// Whether it may connect to `address`:`port`.
    #[must_use]
    pub fn may_connect(&self, address: Ipv4Addr, port: u16) -> bool {
        self.connect.iter().any(|r| r.allows(address, port))
    }

    /// Whether it may listen on `port`.
    #[must_use]
    pub fn may_listen(&self, port: u16) -> bool {
        self.listen.contains(&port)
    }
}

/// What is wrong with the params.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// No `clients=` word (or it names nobody).
    NoClients,
    /// More than [`MAX_CLIENTS`] clients.
    TooManyClients,
    /// A client name that is empty, over 16 bytes, or named twice.
    BadName(String<64>),
    /// A rule that does not parse: the offending word.
    Bad(String<64>),
}

fn clipped(word: &str) -> String<64> {
    let mut s = String::new();
    for c in word.chars() {
        if s.push(c).is_err() {
            break;
        }
    }
    s
}

fn rule(policy: &mut ClientPolicy, word: &str) -> Result<(), PolicyError> {
    let bad = || PolicyError::Bad(clipped(word));
    let (key, value) = word.split_once('=').ok_or_else(bad)?;
    match key {
        "connect" => {
            let (ip, port) = value.rsplit_once(':').ok_or_else(bad)?;
            let address: Ipv4Addr = ip.parse().map_err(|_| bad())?;
            let port = match port {
                "*" => None,
                p => Some(p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(bad)?),
            };
            policy.connect.push(ConnectRule { address, port });
        }
        "listen" => {
            let port = value.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(bad)?;
            policy.listen.push(port);
        }
        "sockets" => policy.max_sockets = value.parse().map_err(|_| bad())?,
        "bytes" => policy.max_ring_bytes = value.parse().map_err(|_| bad())?,
        _ => return Err(bad()),
    }
    Ok(())
}

/// The policies of `params`, in the order of `clients=`.
pub fn parse(params: &str) -> Result<Vec<ClientPolicy>, PolicyError> {
    let names = params.split_whitespace().find_map(|w| w.strip_prefix("clients=")).ok_or(PolicyError::NoClients)?;
    let mut policies: Vec<ClientPolicy> = Vec::new();
    for name in names.split(',') {
        let bad_name = || PolicyError::BadName(clipped(name));
        if name.is_empty() || policies.iter().any(|p| p.name == name) {
            return Err(bad_name());
        }
        if policies.len() >= MAX_CLIENTS {
            return Err(PolicyError::TooManyClients);
        }
        let mut policy = ClientPolicy::closed(String::try_from(name).map_err(|_| bad_name())?);
        let entry = params
            .split_whitespace()
            .filter_map(|w| w.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
            .next();
        for word in entry.into_iter().flat_map(|e| e.split(',')).filter(|w| !w.is_empty()) {
            rule(&mut policy, word)?;
        }
        policies.push(policy);
    }
    Ok(policies)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn the_issue_line_parses() {
        let p = parse(
            "ip=dhcp clients=echo,probe echo=listen=7,sockets=8,bytes=262144 \
             probe=connect=10.0.2.2:5555,connect=10.0.2.2:*,sockets=4,bytes=131072 crash=1",
        )
        .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].name.as_str(), p[0].listen.as_slice(), p[0].max_sockets), ("echo", &[7u16][..], 8));
        assert!(p[0].connect.is_empty());
        let g = Ipv4Addr::new(10, 0, 2, 2);
        assert_eq!(
            p[1].connect,
            [ConnectRule { address: g, port: Some(5555) }, ConnectRule { address: g, port: None }]
        );
        assert_eq!((p[1].max_sockets, p[1].max_ring_bytes), (4, 131_072));
        assert!(p[1].may_connect(g, 1) && !p[1].may_connect(Ipv4Addr::new(10, 0, 2, 3), 5555));
        assert!(p[0].may_listen(7) && !p[0].may_listen(8));
    }

    #[test]
    fn a_client_without_rules_may_open_nothing() {
        let p = parse("clients=a,b b=").unwrap();
        for c in &p {
            assert!(c.connect.is_empty() && c.listen.is_empty());
            assert_eq!((c.max_sockets, c.max_ring_bytes), (DEFAULT_SOCKETS, DEFAULT_RING_BYTES));
        }
    }

    #[test]
    fn every_mistake_is_named() {
        assert_eq!(parse("a=listen=7"), Err(PolicyError::NoClients));
        assert!(matches!(parse("clients=a,a"), Err(PolicyError::BadName(n)) if n == "a"));
        assert!(matches!(parse("clients=a,,b"), Err(PolicyError::BadName(_))));
        assert!(matches!(parse("clients=abcdefghijklmnopq"), Err(PolicyError::BadName(_))));
        for word in [
            "listen=x",
            "listen=0",
            "listen=70000",
            "connect=10.0.2.2",
            "connect=10.0.2:80",
            "connect=10.0.2.2:x",
            "sockets=-1",
            "bytes=",
            "colour=red",
            "listen",
        ] {
            let e = parse(&alloc::format!("clients=a a=listen=1,{word}"));
            assert_eq!(e, Err(PolicyError::Bad(clipped(word))), "{word}");
        }
        let many: Vec<alloc::string::String> = (0..33).map(|i| alloc::format!("c{i}")).collect();
        assert_eq!(parse(&alloc::format!("clients={}", many.join(","))), Err(PolicyError::TooManyClients));
    }
}
