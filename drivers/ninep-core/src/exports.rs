// SPDX-License-Identifier: MIT
//! Each client's export, from the board file: the 9pfs domain's `params`
//!
//! ```text
//! clients=cluster,ivi cluster=/CLUSTER,rw,bytes=1048576,files=64 ivi=/SHARED,ro
//! ```
//!
//! `clients=` names the clients in order (client `n` is the `n`th; its
//! channel is `ninep-<name>`); each client's entry gives its root directory
//! on the volume (absolute, short names), `ro` or `rw`, and optional quotas
//! (`bytes=`, `files=`; unlimited when absent). A client without an entry
//! is an error, not a default.
//!
//! Owns the parsing of those words; must not touch the volume.

use heapless::{String, Vec};

/// Clients one 9pfs domain serves.
pub const MAX_CLIENTS: usize = 8;

/// One client's export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The client's name (its channel is `ninep-<name>`).
    pub client: String<16>,
    /// Its root directory's steps from the volume's root (empty: the
    /// volume's root).
    pub root: Vec<String<12>, 8>,
    /// Whether the client may change anything.
    pub writable: bool,
    /// Most bytes its files may hold together.
    pub max_bytes: u64,
    /// Most files and directories it may have.
    pub max_files: u64,
}

/// What is wrong with the params.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportError {
    /// No `clients=` word.
    NoClients,
    /// More than [`MAX_CLIENTS`] clients, or a name over 16 bytes.
    TooManyClients,
    /// A client in `clients=` without its `<name>=` entry.
    Missing(String<16>),
    /// An entry that does not parse: the offending word.
    Bad(String<64>),
}

fn bad(word: &str) -> ExportError {
    let mut s = String::new();
    for c in word.chars() {
        if s.push(c).is_err() {
            break;
        }
    }
    ExportError::Bad(s)
}

fn entry(client: &str, spec: &str) -> Result<Export, ExportError> {
    let mut parts = spec.split(',');
    let root_text = parts.next().ok_or_else(|| bad(spec))?;
    let Some(relative) = root_text.strip_prefix('/') else { return Err(bad(spec)) };
    let mut root = Vec::new();
    for step in relative.split('/').filter(|s| !s.is_empty()) {
        if step == "." || step == ".." {
            return Err(bad(spec));
        }
        let step = String::try_from(step).map_err(|_| bad(spec))?;
        root.push(step).map_err(|_| bad(spec))?;
    }
    let writable = match parts.next() {
        Some("rw") => true,
        Some("ro") => false,
        _ => return Err(bad(spec)),
    };
    let (mut max_bytes, mut max_files) = (u64::MAX, u64::MAX);
    for part in parts {
        let (key, value) = part.split_once('=').ok_or_else(|| bad(spec))?;
        let value: u64 = value.parse().map_err(|_| bad(spec))?;
        match key {
            "bytes" => max_bytes = value,
            "files" => max_files = value,
            _ => return Err(bad(spec)),
        }
    }
    let client = String::try_from(client).map_err(|_| ExportError::TooManyClients)?;
    Ok(Export { client, root, writable, max_bytes, max_files })
}

/// The exports of `params`, in the order of `clients=`.
pub fn parse(params: &str) -> Result<Vec<Export, MAX_CLIENTS>, ExportError> {
    let names = params.split_whitespace().find_map(|w| w.strip_prefix("clients=")).ok_or(ExportError::NoClients)?;
    let mut exports = Vec::new();
    for name in names.split(',').filter(|n| !n.is_empty()) {
        let key_len = name.len() + 1;
        let spec = params
            .split_whitespace()
            .find(|w| w.len() > key_len && w.starts_with(name) && w.as_bytes().get(name.len()) == Some(&b'='))
            .and_then(|w| w.get(key_len..))
            .ok_or_else(|| ExportError::Missing(String::try_from(name).unwrap_or_default()))?;
        exports.push(entry(name, spec)?).map_err(|_| ExportError::TooManyClients)?;
    }
    if exports.is_empty() {
        return Err(ExportError::NoClients);
    }
    Ok(exports)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn a_board_line_gives_each_client_its_root_rights_and_quotas() {
        let e =
            parse("crash=3 clients=cluster,ivi cluster=/CLUSTER,rw,bytes=4096,files=8 ivi=/SHARED/MAPS,ro").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].client.as_str(), e[0].writable, e[0].max_bytes, e[0].max_files), ("cluster", true, 4096, 8));
        assert_eq!(e[0].root.iter().map(String::as_str).collect::<std::vec::Vec<_>>(), ["CLUSTER"]);
        assert_eq!((e[1].writable, e[1].max_bytes), (false, u64::MAX));
        assert_eq!(e[1].root.len(), 2);
        assert!(parse("clients=a a=/,ro").unwrap()[0].root.is_empty());
    }

    #[test]
    fn every_mistake_is_named() {
        assert_eq!(parse("cluster=/C,rw"), Err(ExportError::NoClients));
        assert!(matches!(parse("clients=a,b a=/A,rw"), Err(ExportError::Missing(n)) if n == "b"));
        for spec in ["a=A,rw", "a=/A", "a=/A,rx", "a=/A,rw,bytes=x", "a=/A,rw,size=1", "a=/../X,rw"] {
            assert!(matches!(parse(&std::format!("clients=a {spec}")), Err(ExportError::Bad(_))), "{spec}");
        }
    }
}
