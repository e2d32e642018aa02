// SPDX-License-Identifier: MIT
//! Capability IPC: ping-pong over a channel, doorbells into a direct-delivery domain, a scribbled
//! ring, a peer that restarts and reconnects.

use super::{Ctx, boots_and_prints};
use anyhow::{Result, ensure};

pub(super) fn ping_pong_over_a_channel(_ctx: &mut Ctx) -> Result<()> {
    boots_and_prints(
        "boards/test/pingpong.toml",
        &[
            "[ping] 10000 checksummed round trips ok",
            "[pong] answered 10000 messages, 0 bad",
            "domain ping halted",
            "domain pong halted",
            "every domain has stopped: system off",
        ],
    )
    .map(drop)
}

pub(super) fn doorbells_reach_a_direct_delivery_domain(_ctx: &mut Ctx) -> Result<()> {
    boots_and_prints(
        "boards/test/pingpong-direct.toml",
        &[
            "[ping] 10000 checksummed round trips ok",
            "[pong] answered 10000 messages, 0 bad",
            "every domain has stopped: system off",
        ],
    )
    .map(drop)
}

pub(super) fn a_scribbled_ring_is_reported_broken(_ctx: &mut Ctx) -> Result<()> {
    let out = boots_and_prints(
        "boards/test/scribble.toml",
        &[
            "[scribbler] scribbled over the ring",
            "[ping] channel broken after 1 messages: IndexOutOfRange",
            "[ping] still running (3, ",
            "domain ping halted",
            "every domain has stopped: system off",
        ],
    )?;
    ensure!(
        !out.output.contains("PANIC") && !out.output.contains("fault:"),
        "the honest side faulted:\n{}",
        out.output
    );
    Ok(())
}

pub(super) fn a_restarted_peer_reconnects_and_the_pair_carries_on(_ctx: &mut Ctx) -> Result<()> {
    boots_and_prints(
        "boards/test/reconnect.toml",
        &[
            "[echo-server] life 1: listening in epoch 1",
            "[echo-client] connected in epoch 1 at request 0: server version 1.2, features 0b0101",
            "fault: domain echo-server vCPU 0 (pCPU 2): domain panic: ",
            "domain echo-server restarted (1 restarts)",
            "[echo-server] life 2: listening in epoch 2",
            "[echo-client] connected in epoch 2 at request 300: server version 1.2, features 0b0101",
            "[echo-client] 1000 requests answered, 1 reconnect(s), ",
            "[echo-server] bye after 700 answers in this life",
            "every domain has stopped: system off",
        ],
    )
    .map(drop)
}
