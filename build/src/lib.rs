// SPDX-License-Identifier: MIT
//! Bulkhead's build tool as a library, so that its board checks are tested
//! on the host; `main.rs` is the `cargo xtask` command line on top.
//!
//! It owns reading board files from the workspace (`board_files`; the
//! checks themselves are the `bulkhead-board` crate), building and packing the
//! static image, running QEMU, and the test and benchmark drivers. It never
//! runs on the target and shares only `protocols/` crates with the kernel.
#![forbid(unsafe_code)]

/// The board model (parse, check, place, diagnostics): its own crate,
/// `boards/model`, so that the fuzz targets need not link the build tool.
pub use bulkhead_board as board;
pub mod board_disk;
pub mod board_files;
pub mod cargo;
pub mod cmd;
pub mod demo;
pub mod disk_image;
pub mod display_scenario;
pub mod elf;
pub mod frames;
pub mod guest;
pub mod image;
pub mod input_scenario;
pub mod net_scenario;
pub mod ninep_scenario;
pub mod packages;
pub mod qemu;
pub mod qemu_tests;
pub mod qmp;
pub mod sound_scenario;
pub mod wav_analysis;
pub mod workspace;
