// SPDX-License-Identifier: MIT
//! A no_std client of the 9pfs domain (work in progress).
#![no_std]
#![forbid(unsafe_code)]
