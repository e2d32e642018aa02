// SPDX-License-Identifier: MIT
//! The virtio device core's harness (being written).
