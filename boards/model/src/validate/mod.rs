// SPDX-License-Identifier: MIT
//! Semantic checks of a parsed board file, one file per section: the
//! machine (`machine`), physical memory (`memory`), `[[device]]`
//! (`devices`), `[[domain]]` (`domains`, with what each owns in
//! `domain_devices`), device models (`device_models`) and `[[channel]]`
//! (`channels`), on the shared collector (`checker`).
//!
//! Each check adds a [`Diagnostic`] that points at the offending value and
//! says what to change; all problems are reported at once. A file that
//! passes comes back with each domain's resolved image; [`crate::layout`]
//! turns it into a `BootConfig`. Reads no file: images come through the
//! [`ImageResolver`].

mod channels;
mod checker;
mod device_models;
mod devices;
mod domain_devices;
mod domains;
mod machine;
mod memory;

use crate::diag::Diagnostic;
use crate::images::{ImageResolver, ImageSource};
use crate::schema::BoardFile;
use bulkhead_bootcfg::{MAX_CHANNELS, MAX_DOMAINS};
use checker::{Checker, span};
use std::collections::BTreeMap;

/// The kernel's reserved interrupts, each with the reason.
pub fn reserved_irqs(file: &BoardFile) -> BTreeMap<u32, &'static str> {
    let mut reserved = BTreeMap::new();
    reserved.insert(*file.board.get_ref().gic.get_ref().maintenance_irq.get_ref(), "the GIC maintenance interrupt");
    reserved.insert(*file.board.get_ref().console.get_ref().irq.get_ref(), "the kernel's console UART");
    for sgi in &file.kernel.get_ref().sgis {
        reserved.insert(*sgi.get_ref(), "one of the kernel's SGIs ([kernel].sgis)");
    }
    reserved
}

/// Runs every semantic check on `file`; `source` is its text. Returns each
/// domain's image, in domain order, or every problem, in file order.
pub fn check(file: &BoardFile, source: &str, images: &dyn ImageResolver) -> Result<Vec<ImageSource>, Vec<Diagnostic>> {
    let mut c = Checker::new(source);
    c.names_unique("domain", file.domains.iter().map(|d| &d.get_ref().name));
    c.names_unique("device", file.devices.iter().map(|d| &d.get_ref().name));
    c.names_unique("channel", file.channels.iter().map(|ch| &ch.get_ref().name));
    c.capacity("domains", file.domains.len(), MAX_DOMAINS, span(&file.board));
    c.capacity("channels", file.channels.len(), MAX_CHANNELS, span(&file.board));

    machine::check(&mut c, file);
    let (ram, mut claims) = memory::check_ram_and_kernel(&mut c, file);
    devices::check(&mut c, file, &ram);
    let domains = domains::check(&mut c, file, images, &mut claims);
    device_models::check(&mut c, file, &domains.address_maps);
    channels::check(&mut c, file, &mut claims);
    memory::check_claims(&mut c, &ram, &claims);

    if c.diagnostics.is_empty() {
        // Every image resolved or has a diagnostic; should one be missing
        // without a word, that is an error too, never a dropped domain.
        let mut resolved = Vec::new();
        for (entry, image) in file.domains.iter().zip(domains.images) {
            match image {
                Some(image) => resolved.push(image),
                None => c.push(
                    Diagnostic::new(
                        span(&entry.get_ref().name),
                        format!("domain `{}`: its image did not resolve", entry.get_ref().name.get_ref()),
                    )
                    .help("name a domain crate, a file beside the board file, or a Linux kernel in `linux`"),
                ),
            }
        }
        if c.diagnostics.is_empty() {
            return Ok(resolved);
        }
    }
    c.diagnostics.sort_by_key(|d| d.span.start);
    Err(c.diagnostics)
}
