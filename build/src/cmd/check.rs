// SPDX-License-Identifier: MIT
//! `cargo xtask check <board>`: load the checked board
//! (`crate::board_files::load`) and render it: where everything goes, or
//! every problem with its position (exit 2). Checks nothing itself.

use crate::board::{ValidBoard, units::show_size};
use crate::board_files;

/// Runs the command; returns the exit status.
pub fn run(arg: &str) -> i32 {
    match board_files::load(arg) {
        Ok(board) => {
            print_summary(&board);
            0
        }
        Err(report) => {
            eprint!("{report}");
            super::EXIT_BAD_BOARD
        }
    }
}

/// Prints what the board file describes and where the build tool placed it.
pub fn print_summary(board: &ValidBoard) {
    let c = &board.config;
    println!(
        "board {}: OK ({} pCPUs, RAM {} at {:#x}, {} domains, {} channels)",
        c.board,
        c.pcpus,
        show_size(c.ram.size),
        c.ram.base.raw(),
        c.domains.len(),
        c.channels.len()
    );
    println!("  kernel    {} at {:#x}", show_size(c.kernel.size), c.kernel.base.raw());
    for d in &c.domains {
        let cpus: Vec<String> = d.pcpus.iter().map(|p| p.to_string()).collect();
        let ram: Vec<String> = d
            .ram
            .iter()
            .map(|r| format!("{} IPA {:#x} -> PA {:#x}", show_size(r.size), r.ipa.raw(), r.phys.raw()))
            .collect();
        let devices: Vec<&str> = d.devices.iter().map(|x| x.name.as_str()).collect();
        println!(
            "  domain    {:<12} pCPUs [{}]  RAM {}  devices [{}]",
            d.name.as_str(),
            cpus.join(", "),
            ram.join(", "),
            devices.join(", ")
        );
        for cap in &d.caps {
            if let bulkhead_bootcfg::Capability::Kept { ipa, phys, size } = *cap {
                println!(
                    "            {:<12} kept {} IPA {:#x} -> PA {:#x} (zeroed at boot only)",
                    "",
                    show_size(size),
                    ipa.raw(),
                    phys.raw()
                );
            }
        }
    }
    for ch in &c.channels {
        println!(
            "  channel   {:<12} {} at PA {:#x} between {} and {}",
            ch.name.as_str(),
            show_size(ch.window.size),
            ch.window.base.raw(),
            c.domains.get(ch.ends[0].domain.index()).map_or("?", |d| d.name.as_str()),
            c.domains.get(ch.ends[1].domain.index()).map_or("?", |d| d.name.as_str()),
        );
    }
}
