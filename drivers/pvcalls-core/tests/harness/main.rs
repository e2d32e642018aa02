// SPDX-License-Identifier: MIT
//! The host harness of the network domain's logic (being written).
