// SPDX-License-Identifier: MIT
//! The interface's address configuration, from the network domain's
//! `params`: `ip=10.0.2.15/24 gateway=10.0.2.2` (static; the gateway is
//! optional) or `ip=dhcp`. A missing `ip=` is an error, not a default.
//!
//! Owns the parsing of `ip=` and `gateway=`; must not touch the
//! interface (the backend applies the result).

use core::net::Ipv4Addr;
use heapless::String;
use smoltcp::wire::{Ipv4Address, Ipv4Cidr};

/// How the interface gets its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetConfig {
    /// A fixed address, and the default route if there is a gateway.
    Static {
        /// Address and prefix.
        address: Ipv4Cidr,
        /// The default gateway.
        gateway: Option<Ipv4Address>,
    },
    /// Ask a DHCP server.
    Dhcp,
}

/// What is wrong with the params.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetConfigError {
    /// No `ip=` word.
    NoAddress,
    /// A word that does not parse: the offending word.
    Bad(String<64>),
}

fn bad(word: &str) -> NetConfigError {
    let mut s = String::new();
    for c in word.chars() {
        if s.push(c).is_err() {
            break;
        }
    }
    NetConfigError::Bad(s)
}

fn word<'a>(params: &'a str, key: &str) -> Option<(&'a str, &'a str)> {
    params.split_whitespace().find_map(|w| w.strip_prefix(key).map(|v| (w, v)))
}

impl NetConfig {
    /// The configuration `params` gives.
    pub fn parse(params: &str) -> Result<Self, NetConfigError> {
        let (ip_word, ip) = word(params, "ip=").ok_or(NetConfigError::NoAddress)?;
        let gateway = match word(params, "gateway=") {
            Some((w, g)) => Some(g.parse::<Ipv4Addr>().map_err(|_| bad(w))?),
            None => None,
        };
        if ip == "dhcp" {
            return match gateway {
                Some(_) => Err(bad(word(params, "gateway=").map_or("gateway=", |(w, _)| w))),
                None => Ok(NetConfig::Dhcp),
            };
        }
        let (addr, prefix) = ip.split_once('/').ok_or_else(|| bad(ip_word))?;
        let addr: Ipv4Addr = addr.parse().map_err(|_| bad(ip_word))?;
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32).ok_or_else(|| bad(ip_word))?;
        if addr.is_unspecified() || addr.is_broadcast() || addr.is_multicast() {
            return Err(bad(ip_word));
        }
        Ok(NetConfig::Static { address: Ipv4Cidr::new(addr, prefix), gateway })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn static_and_dhcp() {
        assert_eq!(
            NetConfig::parse("clients=a ip=10.0.2.15/24 gateway=10.0.2.2").unwrap(),
            NetConfig::Static {
                address: Ipv4Cidr::new(Ipv4Addr::new(10, 0, 2, 15), 24),
                gateway: Some(Ipv4Addr::new(10, 0, 2, 2))
            }
        );
        assert_eq!(
            NetConfig::parse("ip=192.168.1.2/16").unwrap(),
            NetConfig::Static { address: Ipv4Cidr::new(Ipv4Addr::new(192, 168, 1, 2), 16), gateway: None }
        );
        assert_eq!(NetConfig::parse("crash=1 ip=dhcp").unwrap(), NetConfig::Dhcp);
    }

    #[test]
    fn every_mistake_is_named() {
        assert_eq!(NetConfig::parse("clients=a"), Err(NetConfigError::NoAddress));
        for (params, w) in [
            ("ip=10.0.2.15", "ip=10.0.2.15"),
            ("ip=10.0.2.15/33", "ip=10.0.2.15/33"),
            ("ip=10.0.2/24", "ip=10.0.2/24"),
            ("ip=0.0.0.0/0", "ip=0.0.0.0/0"),
            ("ip=10.0.2.15/24 gateway=x", "gateway=x"),
            ("ip=dhcp gateway=10.0.2.2", "gateway=10.0.2.2"),
        ] {
            assert_eq!(NetConfig::parse(params), Err(bad(w)), "{params}");
        }
    }
}
