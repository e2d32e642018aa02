// SPDX-License-Identifier: MIT
//! The 9pfs driver domain's logic (work in progress).
#![no_std]
#![forbid(unsafe_code)]
