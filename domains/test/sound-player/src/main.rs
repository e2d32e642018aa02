// SPDX-License-Identifier: MIT
//! `sound-player`: a demo client of the sound domain
//! (`bulkhead_sound_client`) that plays a sine tone, continuously or as a
//! chime pattern. Its board-file `params`:
//!
//! - `channel=<name>`: its channel to the sound domain;
//! - `hz=<n>`: the tone (half of full scale);
//! - `on=<ms> off=<ms>`: a chime pattern: START, `on` ms of tone, wait
//!   until the sound domain has played all of it, STOP, `off` ms of
//!   nothing, again (without `on`, the tone plays continuously);
//! - `mute=<p>+<n>`: MUTE after `p` periods written, UNMUTE `n` periods
//!   later (prints `sound-player: muted` and `sound-player: unmuted`);
//! - `capture=<n>` (test boards): instead of playing, open the first
//!   capture stream offered, START it, READ `n` periods (waiting for a
//!   position event whenever the sound domain has none ready) and print
//!   `sound-player: captured <bytes> bytes in <n> periods over <ms> ms,
//!   silent <yes|no>, positions <count>` (QEMU's `none` audiodev records
//!   silence);
//! - `bench=<n>` (benchmark boards): instead of playing, `n` times: wait
//!   until everything written has been played, wait a random part of a
//!   period, read the counter and WRITE one period; it reports each
//!   counter value as `sound_write_at_<k>` (the sound domain reports when
//!   that period went to the device: `sound_period_latency_insns`).
//!
//! The cluster runs it as the warning chime (`hz=1000 on=300 off=700`),
//! the infotainment as its media (`hz=440 mute=300+100`). It asks for the
//! device's parameters first (HW_PARAM_QUERY), opens its first playback
//! stream with 10 ms periods in a 40 ms buffer, and refills a period
//! whenever a position event says there is room. It follows the channel's
//! epochs: after a sound-domain restart it prints `sound-player:
//! reconnected, epoch <e>` and opens its stream again.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

mod tone;

use bulkhead_ring::Window;
use bulkhead_sound::{
    DataRef, Direction, Event, Format, HwParams, Operation, Payload, PcmParams, Span, Status, StreamId, Trigger,
};
use bulkhead_sound_client::RequestClient;
use bulkhead_sound_client::{Capture, ClientError, Playback, Received, SoundClient};
use core::fmt::Write;
use domain_rt::caps::{self, ChannelEnd};
use domain_rt::{Boot, Console, timer};
use tone::{RATE, Tone};

domain_rt::entry!(main);

/// Bytes per period: 10 ms of S16LE stereo at 48 kHz.
const PERIOD: usize = 1920;
/// Periods in the stream's buffer.
const PERIODS: u32 = 4;

/// What the params ask for.
#[derive(Clone, Copy)]
struct Plan {
    hz: u32,
    pattern: Option<(u64, u64)>,
    mute: Option<(u64, u64)>,
    bench: Option<u64>,
    capture: Option<u64>,
}

fn number(params: &str, key: &str) -> Option<u64> {
    params.split_whitespace().find_map(|w| w.strip_prefix(key)).and_then(|v| v.parse().ok())
}

fn plan(params: &str) -> Plan {
    let hz = number(params, "hz=").and_then(|n| u32::try_from(n).ok()).unwrap_or(440);
    let pattern = number(params, "on=").map(|on| (on, number(params, "off=").unwrap_or(0)));
    let mute = params
        .split_whitespace()
        .find_map(|w| w.strip_prefix("mute="))
        .and_then(|v| v.split_once('+'))
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
    Plan { hz, pattern, mute, bench: number(params, "bench="), capture: number(params, "capture=") }
}

fn ignore(_: Received) {}

/// Waits for the next event, serving the doorbell meanwhile.
fn next_event<W: Window + Clone>(client: &mut SoundClient<W>, end: &ChannelEnd) -> Result<Event, ClientError> {
    loop {
        if client.follow(end.epoch())? {
            return Err(ClientError::Restarted);
        }
        if let Some(event) = client.next_event()? {
            return Ok(event);
        }
        if client.take_doorbell() {
            end.notify();
        }
        domain_rt::wait_for_interrupt();
        caps::pending();
    }
}

/// Queues one period, waiting for room as long as the backend is full.
fn queue<W: Window + Clone>(
    client: &mut SoundClient<W>,
    end: &ChannelEnd,
    playback: &mut Playback,
    pcm: &[u8],
) -> Result<(), ClientError> {
    loop {
        match playback.queue_period(client, end, pcm, ignore)? {
            Status::Ok => return Ok(()),
            Status::Busy => {
                next_event(client, end)?;
            }
            other => return Err(ClientError::Rejected(other)),
        }
    }
}

/// Spins for `ms` milliseconds of the virtual counter.
fn pause(ms: u64) {
    let until = timer::counter() + ms * timer::frequency() / 1000;
    while timer::counter() < until {
        core::hint::spin_loop();
    }
}

fn ask(client: &mut SoundClient<impl Window + Clone>, end: &ChannelEnd, stream: StreamId, op: Operation) -> Status {
    client.call(end, stream, op, ignore).map_or(Status::Io, |r| r.status)
}

/// One epoch: connect, open, play until the channel restarts.
fn session<W: Window + Clone>(client: &mut SoundClient<W>, end: &ChannelEnd, plan: Plan) -> Result<(), ClientError> {
    let streams = client.wait_for(end, |r| match r {
        Received::Connected { streams } => Some(streams),
        _ => None,
    })?;
    if let Some(periods) = plan.capture {
        let Some(stream) = streams.iter().find(|s| s.direction == Direction::Capture).map(|s| s.id) else {
            let _ = writeln!(Console, "sound-player: no capture stream offered");
            return Err(ClientError::Rejected(Status::NoDevice));
        };
        return capture(client, end, stream, periods);
    }
    let Some(stream) = streams.iter().find(|s| s.direction == Direction::Playback).map(|s| s.id) else {
        let _ = writeln!(Console, "sound-player: no playback stream offered");
        return Err(ClientError::Rejected(Status::NoDevice));
    };
    let rates = Span { min: 44_100, max: 48_000 };
    let query = HwParams {
        formats: 1 << (Format::S16Le as u8),
        rate: rates,
        channels: Span { min: 1, max: 2 },
        buffer_bytes: Span { min: 1024, max: 65_536 },
        period_bytes: Span { min: 256, max: 8192 },
    };
    match client.call(end, stream, Operation::HwParamQuery(query), ignore)?.payload {
        Payload::HwParams(hw) => {
            let _ = writeln!(Console, "sound-player: device offers rates {:?}, channels {:?}", hw.rate, hw.channels);
        }
        other => {
            let _ = writeln!(Console, "sound-player: HW_PARAM_QUERY answered {other:?}");
        }
    }
    let area = client.data_area();
    let buffer = DataRef { offset: area.offset, len: PERIOD as u32 * PERIODS };
    let params = PcmParams {
        format: Format::S16Le,
        rate: RATE,
        channels: 2,
        buffer_bytes: buffer.len,
        period_bytes: PERIOD as u32,
    };
    let mut playback = Playback::open(client, end, stream, params, buffer, ignore)?;
    let mut tone = Tone::new(plan.hz);
    let mut pcm = [0u8; PERIOD];
    let mut written = 0u64;
    if let Some(samples) = plan.bench {
        return latency_bench(client, end, &mut playback, &mut tone, samples);
    }
    let _ = writeln!(Console, "sound-player: playing {} Hz on stream {}", plan.hz, stream.stream);
    loop {
        let status = playback.trigger(client, end, Trigger::Start, ignore)?;
        if status != Status::Ok {
            return Err(ClientError::Rejected(status));
        }
        let periods = plan.pattern.map_or(u64::MAX, |(on, _)| on / 10);
        let mut bytes = 0u64;
        for _ in 0..periods {
            tone.fill(&mut pcm);
            queue(client, end, &mut playback, &pcm)?;
            bytes += PERIOD as u64;
            written += 1;
            if let Some((at, length)) = plan.mute {
                if written == at {
                    let status = ask(client, end, stream, Operation::Mute);
                    let _ = writeln!(Console, "sound-player: muted at period {written} ({status:?})");
                }
                if written == at + length {
                    let status = ask(client, end, stream, Operation::Unmute);
                    let _ = writeln!(Console, "sound-player: unmuted at period {written} ({status:?})");
                }
            }
        }
        // A chime: let it all play, stop, stay silent.
        while client.position(stream).unwrap_or(0) < bytes {
            next_event(client, end)?;
        }
        playback.trigger(client, end, Trigger::Stop, ignore)?;
        tone = Tone::new(plan.hz);
        pause(plan.pattern.map_or(0, |(_, off)| off));
    }
}

/// The capture mode (`capture=<n>`): see the module docs.
fn capture<W: Window + Clone>(
    client: &mut SoundClient<W>,
    end: &ChannelEnd,
    stream: StreamId,
    periods: u64,
) -> Result<(), ClientError> {
    let area = client.data_area();
    let buffer = DataRef { offset: area.offset, len: PERIOD as u32 * PERIODS };
    let params = PcmParams {
        format: Format::S16Le,
        rate: RATE,
        channels: 2,
        buffer_bytes: buffer.len,
        period_bytes: PERIOD as u32,
    };
    let mut capture = Capture::open(client, end, stream, params, buffer, ignore)?;
    let status = capture.trigger(client, end, Trigger::Start, ignore)?;
    if status != Status::Ok {
        return Err(ClientError::Rejected(status));
    }
    let mut pcm = [0u8; PERIOD];
    let (mut bytes, mut silent, mut positions) = (0u64, true, 0u64);
    let mut first = None;
    for _ in 0..periods {
        loop {
            match capture.read_period(client, end, &mut pcm, ignore)? {
                Status::Ok => break,
                Status::Busy => {
                    if let Event::Position { .. } = next_event(client, end)? {
                        positions += 1;
                    }
                }
                other => return Err(ClientError::Rejected(other)),
            }
        }
        first.get_or_insert_with(timer::counter);
        bytes += PERIOD as u64;
        silent &= pcm.iter().all(|b| *b == 0);
    }
    let elapsed = first.map_or(0, |f| timer::counter() - f);
    let ms = elapsed * 1000 / timer::frequency();
    let silent = if silent { "yes" } else { "no" };
    let _ = writeln!(
        Console,
        "sound-player: captured {bytes} bytes in {periods} periods over {ms} ms, silent {silent}, positions {positions}"
    );
    loop {
        domain_rt::wait_for_interrupt();
    }
}

/// The benchmark mode (`bench=<n>`): see the module docs.
fn latency_bench<W: Window + Clone>(
    client: &mut SoundClient<W>,
    end: &ChannelEnd,
    playback: &mut Playback,
    tone: &mut Tone,
    samples: u64,
) -> Result<(), ClientError> {
    let stream = playback.stream();
    let status = playback.trigger(client, end, Trigger::Start, ignore)?;
    if status != Status::Ok {
        return Err(ClientError::Rejected(status));
    }
    let period_ticks = timer::frequency() / 100;
    let mut random = 0x2545_f491_4f6c_dd1du64;
    let mut pcm = [0u8; PERIOD];
    let mut written = 0u64;
    for k in 1..=samples {
        while client.position(stream).unwrap_or(0) < written {
            next_event(client, end)?;
        }
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        let until = timer::counter() + random % period_ticks;
        while timer::counter() < until {
            core::hint::spin_loop();
        }
        tone.fill(&mut pcm);
        let at = timer::counter();
        queue(client, end, playback, &pcm)?;
        written += PERIOD as u64;
        let mut name: heapless::String<32> = heapless::String::new();
        let _ = write!(name, "sound_write_at_{k}");
        domain_benchkit::report(&name, at);
    }
    domain_benchkit::report("sound_latency_samples", samples);
    loop {
        domain_rt::wait_for_interrupt();
    }
}

fn main(_boot: Boot) {
    let mut text = [0u8; 128];
    let params = caps::params(&mut text);
    let plan = plan(params);
    let Some(channel) = params.split_whitespace().find_map(|w| w.strip_prefix("channel=")) else {
        let _ = writeln!(Console, "sound-player: no channel= in params");
        return;
    };
    let Some(channel_end) = ChannelEnd::find(channel) else {
        let _ = writeln!(Console, "sound-player: no channel {channel}");
        return;
    };
    let window = channel_end.window();
    let end = &channel_end;
    let mut client = match SoundClient::connect(&window, channel_end.info.end as u8, end.epoch()) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(Console, "sound-player: bad channel layout: {e:?}");
            return;
        }
    };
    end.notify();
    loop {
        match session(&mut client, end, plan) {
            Err(ClientError::Restarted) => {
                let _ = writeln!(Console, "sound-player: reconnected, epoch {}", client.epoch());
            }
            Err(e) => {
                let _ = writeln!(Console, "sound-player: {e:?}; starting again");
                pause(100);
            }
            Ok(()) => {}
        }
    }
}
