// SPDX-License-Identifier: MIT
//! The `cargo xtask` subcommands, one file each.

pub mod bench;
pub mod build;
pub mod check;
pub mod demo;
pub mod fetch_guest;
pub mod fuzz;
pub mod run;
pub mod screens;
pub mod test;

/// Exit status for an invalid board file.
pub const EXIT_BAD_BOARD: i32 = 2;
