// SPDX-License-Identifier: MIT
//! The switch's rules for each L2 port, from the network domain's
//! `params`:
//!
//! ```text
//! l2=linux/52:54:00:00:00:21/0800.0806
//! ```
//!
//! One `l2=` word per port: the client's name (its channel is
//! `l2-<name>`), the MAC address the board assigns it, and the ethertypes
//! it may send, in hexadecimal, `.`-separated (here IPv4 and ARP).
//!
//! What a port may send ([`PortRule::check`]): a frame of at least the
//! Ethernet header whose source is exactly its assigned MAC (no spoofing,
//! no group address as a source) and whose ethertype is listed (an 802.1Q
//! tag, 0x8100, only if listed). What a port receives
//! ([`delivers_to`]): frames addressed to its MAC, and broadcasts and
//! multicasts.
//!
//! Owns the parsing of `l2=` words and those two decisions; must not touch
//! frames' queues or a NIC.

use crate::{MIN_FRAME, Mac};
use heapless::{String, Vec};

/// Ports one network domain switches.
pub const MAX_PORTS: usize = 4;
/// Ethertypes one port may be allowed.
pub const MAX_ETHERTYPES: usize = 8;

/// One port's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortRule {
    /// The client's name.
    pub name: String<16>,
    /// The MAC address the board assigns it.
    pub mac: Mac,
    /// The ethertypes it may send.
    pub ethertypes: Vec<u16, MAX_ETHERTYPES>,
}

/// Why a port's frame was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Shorter than the Ethernet header.
    Runt,
    /// The source is not the port's MAC.
    Spoofed(Mac),
    /// The source is a group (multicast or broadcast) address.
    GroupSource,
    /// The ethertype is not allowed.
    Ethertype(u16),
}

/// Why an `l2=` word was refused: the word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleError<'a>(pub &'a str);

fn mac(text: &str) -> Option<Mac> {
    let mut out = [0u8; 6];
    let mut parts = text.split(':');
    for byte in &mut out {
        let part = parts.next()?;
        if part.len() != 2 {
            return None;
        }
        *byte = u8::from_str_radix(part, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

fn is_group(mac: &Mac) -> bool {
    mac.first().is_some_and(|b| b & 1 != 0)
}

/// The destination of `frame`, if it has a header.
fn destination(frame: &[u8]) -> Option<Mac> {
    frame.get(..6)?.try_into().ok()
}

/// Whether the port with MAC `port` receives `frame`: addressed to it, or
/// to a group.
pub fn delivers_to(frame: &[u8], port: &Mac) -> bool {
    destination(frame).is_some_and(|d| d == *port || is_group(&d))
}

impl PortRule {
    /// Parses one `l2=` word's value (the whole word for errors).
    fn parse<'a>(word: &'a str, value: &str) -> Result<Self, RuleError<'a>> {
        let bad = || RuleError(word);
        let mut parts = value.split('/');
        let (Some(name), Some(m), Some(types), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let name = String::try_from(name).map_err(|_| bad())?;
        let mac = mac(m).filter(|m| !is_group(m) && *m != [0; 6]).ok_or_else(bad)?;
        if name.is_empty() {
            return Err(bad());
        }
        let mut ethertypes = Vec::new();
        for t in types.split('.') {
            let t = u16::from_str_radix(t, 16).ok().filter(|t| *t >= 0x0600).ok_or_else(bad)?;
            ethertypes.push(t).map_err(|_| bad())?;
        }
        Ok(Self { name, mac, ethertypes })
    }

    /// Every `l2=` word of `params`, in order (none: no ports). Two ports
    /// with one name or one MAC are an error.
    pub fn parse_all(params: &str) -> Result<Vec<Self, MAX_PORTS>, RuleError<'_>> {
        let mut rules: Vec<Self, MAX_PORTS> = Vec::new();
        for word in params.split_whitespace() {
            let Some(value) = word.strip_prefix("l2=") else { continue };
            let rule = Self::parse(word, value)?;
            if rules.iter().any(|r| r.name == rule.name || r.mac == rule.mac) {
                return Err(RuleError(word));
            }
            rules.push(rule).map_err(|_| RuleError(word))?;
        }
        Ok(rules)
    }

    /// Whether the port may send `frame`; its ethertype if so.
    pub fn check(&self, frame: &[u8]) -> Result<u16, Refusal> {
        let header = frame.get(..MIN_FRAME).ok_or(Refusal::Runt)?;
        let source: Mac = header.get(6..12).and_then(|s| s.try_into().ok()).ok_or(Refusal::Runt)?;
        if is_group(&source) {
            return Err(Refusal::GroupSource);
        }
        if source != self.mac {
            return Err(Refusal::Spoofed(source));
        }
        let ethertype: [u8; 2] = header.get(12..14).and_then(|t| t.try_into().ok()).ok_or(Refusal::Runt)?;
        let ethertype = u16::from_be_bytes(ethertype);
        if !self.ethertypes.contains(&ethertype) {
            return Err(Refusal::Ethertype(ethertype));
        }
        Ok(ethertype)
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    const LINUX: Mac = [0x52, 0x54, 0, 0, 0, 0x21];

    fn frame(dst: Mac, src: Mac, ethertype: u16) -> [u8; 60] {
        let mut f = [0u8; 60];
        f[..6].copy_from_slice(&dst);
        f[6..12].copy_from_slice(&src);
        f[12..14].copy_from_slice(&ethertype.to_be_bytes());
        f
    }

    fn rule() -> PortRule {
        PortRule::parse_all("clients=x l2=linux/52:54:00:00:00:21/0800.0806 ip=dhcp").unwrap().pop().unwrap()
    }

    #[test]
    fn the_board_word_parses() {
        let r = rule();
        assert_eq!(r.name.as_str(), "linux");
        assert_eq!(r.mac, LINUX);
        assert_eq!(&r.ethertypes[..], &[0x0800, 0x0806]);
        assert!(PortRule::parse_all("clients=a ip=dhcp").unwrap().is_empty());
    }

    #[test]
    fn malformed_words_are_named() {
        for word in [
            "l2=linux",
            "l2=linux/52:54:00:00:00/0800",
            "l2=linux/52:54:00:00:00:21:00/0800",
            "l2=linux/53:54:00:00:00:21/0800",
            "l2=linux/00:00:00:00:00:00/0800",
            "l2=linux/52:54:00:00:00:21/",
            "l2=linux/52:54:00:00:00:21/05dc",
            "l2=linux/52:54:00:00:00:21/0800/x",
            "l2=/52:54:00:00:00:21/0800",
            "l2=a-name-longer-than-16/52:54:00:00:00:21/0800",
        ] {
            assert_eq!(PortRule::parse_all(word), Err(RuleError(word)), "{word}");
        }
        let twice = "l2=a/52:54:00:00:00:21/0800 l2=b/52:54:00:00:00:21/0800";
        assert_eq!(PortRule::parse_all(twice), Err(RuleError("l2=b/52:54:00:00:00:21/0800")));
    }

    #[test]
    fn a_port_sends_only_its_own_frames_of_its_ethertypes() {
        let r = rule();
        let gw = [0x52, 0x55, 10, 0, 2, 2];
        assert_eq!(r.check(&frame(gw, LINUX, 0x0800)), Ok(0x0800));
        assert_eq!(r.check(&frame([0xff; 6], LINUX, 0x0806)), Ok(0x0806));
        let other = [0x52, 0x54, 0, 0, 0, 0x22];
        assert_eq!(r.check(&frame(gw, other, 0x0800)), Err(Refusal::Spoofed(other)));
        assert_eq!(r.check(&frame(gw, [0xff; 6], 0x0800)), Err(Refusal::GroupSource));
        assert_eq!(r.check(&frame(gw, LINUX, 0x86dd)), Err(Refusal::Ethertype(0x86dd)));
        assert_eq!(r.check(&frame(gw, LINUX, 0x8100)), Err(Refusal::Ethertype(0x8100)));
        assert_eq!(r.check(&frame(gw, LINUX, 0x0800)[..13]), Err(Refusal::Runt));
    }

    #[test]
    fn a_port_receives_its_unicasts_and_group_frames() {
        let gw = [0x52, 0x55, 10, 0, 2, 2];
        assert!(delivers_to(&frame(LINUX, gw, 0x0800), &LINUX));
        assert!(delivers_to(&frame([0xff; 6], gw, 0x0806), &LINUX));
        assert!(delivers_to(&frame([0x01, 0, 0x5e, 0, 0, 1], gw, 0x0800), &LINUX));
        assert!(!delivers_to(&frame([0x52, 0x54, 0, 0, 0, 0x22], gw, 0x0800), &LINUX));
        assert!(!delivers_to(&[0u8; 5], &LINUX));
    }
}
