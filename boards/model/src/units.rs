// SPDX-License-Identifier: MIT
//! Sizes in board files: an integer number of bytes, or a string with a
//! binary unit (`"64 KiB"`, `"2 MiB"`, `"1 GiB"`), so that a reader need not
//! count hex digits.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// A size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Size(pub u64);

const UNITS: [(&str, u64); 4] = [("B", 1), ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30)];

/// Parses `"<n> <unit>"` (unit one of B, KiB, MiB, GiB).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '_').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{text}` is not a size: write a number of bytes or \"<n> KiB|MiB|GiB\""))?;
    let unit = unit.trim();
    let (_, scale) = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .ok_or_else(|| format!("unknown unit `{unit}` in `{text}`: use B, KiB, MiB or GiB"))?;
    number.checked_mul(*scale).ok_or_else(|| format!("`{text}` is too large"))
}

/// Formats a size with the largest exact binary unit.
pub fn show_size(bytes: u64) -> String {
    UNITS
        .iter()
        .rev()
        .find(|(_, scale)| bytes >= *scale && bytes.is_multiple_of(*scale))
        .map_or_else(|| format!("{bytes} B"), |(name, scale)| format!("{} {name}", bytes / scale))
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SizeVisitor;
        impl Visitor<'_> for SizeVisitor {
            type Value = Size;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a size: bytes as an integer, or a string like \"64 KiB\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Size, E> {
                Ok(Size(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Size, E> {
                u64::try_from(v).map(Size).map_err(|_| E::custom("a size cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Size, E> {
                parse_size(v).map(Size).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(SizeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_show() {
        assert_eq!(parse_size("64 KiB"), Ok(65536));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("4_096 B"), Ok(4096));
        assert!(parse_size("12 MB").unwrap_err().contains("unknown unit `MB`"));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999 GiB").unwrap_err().contains("too large"));
        assert_eq!(show_size(2 << 20), "2 MiB");
        assert_eq!(show_size(1536), "1536 B");
    }
}
