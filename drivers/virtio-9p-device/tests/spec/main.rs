// SPDX-License-Identifier: MIT
//! The virtio-9p transport's harness (N1..): see the crate's README.
