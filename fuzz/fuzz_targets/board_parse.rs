// SPDX-License-Identifier: MIT
//! The board-file parser and validator, the board model crate
//! (`bulkhead_board::load`: TOML, semantic checks, layout), without the
//! build tool.
//!
//! Every image name resolves, so that validation and layout are reached.
//! Invariants: nothing panics; a rejected file has at least one diagnostic,
//! each pointing inside the file, and the report renders; an accepted file
//! has an image per domain and its configuration survives the boot blob
//! (encode, decode) unchanged, as `cargo xtask build` relies on.
#![no_main]

use bulkhead_board::{self as board, ImageResolver, ImageSource};
use bulkhead_bootcfg::blob;
use libfuzzer_sys::fuzz_target;

/// Resolves every name to a domain crate of that name.
struct AnyImage;

impl ImageResolver for AnyImage {
    fn resolve(&self, name: &str) -> Option<ImageSource> {
        Some(ImageSource::Crate(name.to_string()))
    }

    fn known(&self) -> Vec<String> {
        vec!["hello".into()]
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    match board::load("fuzz.toml", source, &AnyImage) {
        Ok(valid) => {
            assert_eq!(valid.images.len(), valid.config.domains.len(), "an image per domain");
            let mut out = vec![0u8; 64 * 1024];
            let len = blob::encode(&valid.config, &mut out).expect("a valid board's configuration encodes");
            assert_eq!(blob::decode(&out[..len]).as_ref(), Ok(&valid.config), "the configuration changed in the blob");
        }
        Err(report) => {
            assert!(!report.diagnostics.is_empty(), "rejected without a diagnostic");
            for d in &report.diagnostics {
                assert!(
                    d.span.start <= d.span.end && d.span.end <= source.len(),
                    "diagnostic `{}` points at {:?}, outside the {}-byte file",
                    d.message,
                    d.span,
                    source.len()
                );
            }
            assert!(report.render().contains("--> fuzz.toml:"));
        }
    }
});
