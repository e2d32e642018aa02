// SPDX-License-Identifier: MIT
//! The mixing policy as the board file's `params` of the sound domain
//! carry it (the kernel keeps 128 bytes of them, so it is terse):
//!
//! ```text
//! clients=cluster,ivi cluster=p10,v0,s2 ivi=p1,v-60,s4,cap duck=-120 ramp=480
//! ```
//!
//! - `clients=` names the clients in order (client `n` is the `n`th; its
//!   channel is `sound-<name>`);
//! - `<client>=` its rights, `,`-separated: `p<priority>`, `v<volume in
//!   tenths of a dB>`, `s<playback streams it may open>`, and `cap` if it
//!   receives capture;
//! - `duck=` how far lower priorities are lowered, tenths of a dB;
//!   `ramp=` over how many device frames.
//!
//! Owns only the parsing; [`Policy::validate`] checks what it builds. A
//! word it does not know, a client without rights, a number that does not
//! parse, is an error naming the word.

use crate::policy::{ClientPolicy, MAX_CLIENTS, Policy, PolicyError};
use heapless::Vec;

/// The sound domain's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params<'a> {
    /// Client names, in client-id order.
    pub clients: Vec<&'a str, MAX_CLIENTS>,
    /// The mixing policy (validated).
    pub policy: Policy,
    /// Test and benchmark switches ([`EXTRAS`]), for test boards only.
    pub extra: Vec<(&'a str, &'a str), 4>,
}

/// The switches a test or benchmark board may add: `crash=<periods>`
/// (the first life panics after that many device periods) and `bench=1`.
pub const EXTRAS: [&str; 2] = ["crash", "bench"];

/// Why the parameters were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamsError<'a> {
    /// This word is malformed, unknown or names an unknown client.
    Word(&'a str),
    /// This client has no `<client>=` word.
    NoRights(&'a str),
    /// No `clients=`, no `duck=` or `ramp=`, or too many clients.
    Missing,
    /// The policy is inconsistent.
    Policy(PolicyError),
}

impl<'a> Params<'a> {
    /// Parses `text`.
    pub fn parse(text: &'a str) -> Result<Self, ParamsError<'a>> {
        let mut clients: Vec<&str, MAX_CLIENTS> = Vec::new();
        let words = || text.split_whitespace();
        for word in words() {
            if let Some(list) = word.strip_prefix("clients=") {
                for name in list.split(',') {
                    if name.is_empty() || clients.contains(&name) {
                        return Err(ParamsError::Word(word));
                    }
                    clients.push(name).map_err(|_| ParamsError::Missing)?;
                }
            }
        }
        if clients.is_empty() {
            return Err(ParamsError::Missing);
        }
        let mut rights: [Option<ClientPolicy>; MAX_CLIENTS] = [None; MAX_CLIENTS];
        let (mut duck, mut ramp) = (None, None);
        let mut extra = Vec::new();
        for word in words() {
            let Some((key, value)) = word.split_once('=') else { return Err(ParamsError::Word(word)) };
            match key {
                "clients" => {}
                key if EXTRAS.contains(&key) => extra.push((key, value)).map_err(|_| ParamsError::Word(word))?,
                "duck" => duck = Some(value.parse::<i32>().map_err(|_| ParamsError::Word(word))?),
                "ramp" => ramp = Some(value.parse::<u32>().map_err(|_| ParamsError::Word(word))?),
                name => {
                    let i = clients.iter().position(|c| *c == name).ok_or(ParamsError::Word(word))?;
                    let slot = rights.get_mut(i).ok_or(ParamsError::Word(word))?;
                    *slot = Some(client(value).ok_or(ParamsError::Word(word))?);
                }
            }
        }
        let mut policy =
            Policy { clients: Vec::new(), duck_tenths_db: duck.ok_or(ParamsError::Missing)?, ramp_frames: 0 };
        policy.ramp_frames = ramp.ok_or(ParamsError::Missing)?;
        for (name, r) in clients.iter().zip(rights.iter()) {
            let r = r.ok_or(ParamsError::NoRights(name))?;
            policy.clients.push(r).map_err(|_| ParamsError::Missing)?;
        }
        policy.validate().map_err(ParamsError::Policy)?;
        Ok(Params { clients, policy, extra })
    }

    /// The value of test switch `key`.
    pub fn extra(&self, key: &str) -> Option<&'a str> {
        self.extra.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// One client's rights: `p<n>,v<n>,s<n>[,cap]`, priority required.
fn client(value: &str) -> Option<ClientPolicy> {
    let mut c = ClientPolicy { priority: 0, default_volume: 0, max_playback: 1, capture: false };
    let mut priority = false;
    for part in value.split(',') {
        if part == "cap" {
            c.capture = true;
        } else if let Some(n) = part.strip_prefix('p') {
            c.priority = n.parse().ok()?;
            priority = true;
        } else if let Some(n) = part.strip_prefix('v') {
            c.default_volume = n.parse().ok()?;
        } else if let Some(n) = part.strip_prefix('s') {
            c.max_playback = n.parse().ok()?;
        } else {
            return None;
        }
    }
    priority.then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOARD: &str = "clients=cluster,ivi cluster=p10,v0,s2 ivi=p1,v-60,s4,cap duck=-120 ramp=480";

    #[test]
    fn the_board_policy_parses() {
        assert!(BOARD.len() <= 128, "fits the kernel's params");
        let p = Params::parse(BOARD).unwrap();
        assert_eq!(p.clients.as_slice(), ["cluster", "ivi"]);
        assert_eq!(
            p.policy.clients.as_slice(),
            [
                ClientPolicy { priority: 10, default_volume: 0, max_playback: 2, capture: false },
                ClientPolicy { priority: 1, default_volume: -60, max_playback: 4, capture: true },
            ]
        );
        assert_eq!((p.policy.duck_tenths_db, p.policy.ramp_frames), (-120, 480));
        assert_eq!(p.extra("crash"), None);
        let test = Params::parse("clients=a a=p1 duck=-1 ramp=1 crash=50 bench=1").unwrap();
        assert_eq!((test.extra("crash"), test.extra("bench")), (Some("50"), Some("1")));
    }

    #[test]
    fn every_mistake_names_its_word() {
        for (text, word) in [
            ("clients=a a=x1 duck=-1 ramp=1", "a=x1"),
            ("clients=a a=v3 duck=-1 ramp=1", "a=v3"),
            ("clients=a b=p1 duck=-1 ramp=1", "b=p1"),
            ("clients=a a=p1 duck=loud ramp=1", "duck=loud"),
            ("clients=a a=p1 duck=-1 ramp=-4", "ramp=-4"),
            ("clients=a,a a=p1 duck=-1 ramp=1", "clients=a,a"),
            ("clients=a a=p1 junk", "junk"),
        ] {
            assert_eq!(Params::parse(text), Err(ParamsError::Word(word)), "{text}");
        }
        assert_eq!(Params::parse("clients=a,b a=p1 duck=-1 ramp=1"), Err(ParamsError::NoRights("b")));
        assert_eq!(Params::parse("clients=a a=p1 ramp=1"), Err(ParamsError::Missing));
        assert_eq!(
            Params::parse("clients=a,b a=p1,cap b=p2,cap duck=-1 ramp=1"),
            Err(ParamsError::Policy(PolicyError::TwoCaptureClients))
        );
        assert_eq!(Params::parse("clients=a a=p1 duck=-1 ramp=0"), Err(ParamsError::Policy(PolicyError::BadDucking)));
    }
}
