// SPDX-License-Identifier: MIT
//! Malformed input from a hostile peer, and encodes that cannot succeed:
//! each gives the documented error, never a panic.

mod common;

use bulkhead_ninep::{
    Dirent, DirentWriter, Dirents, Frame, HEADER_LEN, Header, MAX_MSIZE, MAXWELEM, Message, Qid, WireError, errno,
    msgtype,
};
use common::{encode, samples};

/// A frame with the given type and body, its size field set to match.
fn raw(kind: u8, tag: u16, body: &[u8]) -> Vec<u8> {
    let size = u32::try_from(HEADER_LEN + body.len()).unwrap();
    let mut v = Header { size, id: kind, tag }.to_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

fn set_size(bytes: &mut [u8], size: u32) {
    bytes[..4].copy_from_slice(&size.to_le_bytes());
}

#[test]
fn truncated_at_every_length() {
    for frame in samples() {
        let bytes = encode(&frame);
        for n in 0..bytes.len() {
            assert_eq!(Frame::decode(&bytes[..n]), Err(WireError::Truncated), "{frame:?} cut to {n}");
        }
    }
}

#[test]
fn size_field_too_small_for_the_fields() {
    // The buffer holds exactly what the (shrunk) size field says.
    for frame in samples() {
        let bytes = encode(&frame);
        for n in HEADER_LEN..bytes.len() {
            let mut cut = bytes[..n].to_vec();
            set_size(&mut cut, u32::try_from(n).unwrap());
            assert_eq!(Frame::decode(&cut), Err(WireError::SizeMismatch), "{frame:?} size {n}");
        }
    }
}

#[test]
fn size_field_too_large_for_the_fields() {
    for frame in samples() {
        let mut bytes = encode(&frame);
        bytes.push(0);
        let n = u32::try_from(bytes.len()).unwrap();
        set_size(&mut bytes, n);
        assert_eq!(Frame::decode(&bytes), Err(WireError::TrailingBytes), "{frame:?}");
    }
}

#[test]
fn size_field_smaller_than_header() {
    for size in 0..7 {
        let mut bytes = raw(msgtype::RCLUNK, 1, &[]);
        set_size(&mut bytes, size);
        assert_eq!(Frame::decode(&bytes), Err(WireError::SizeMismatch));
        assert_eq!(Header::parse(&bytes), Err(WireError::SizeMismatch));
    }
}

#[test]
fn size_over_msize_is_refused_before_waiting_for_the_body() {
    let mut bytes = raw(msgtype::TREAD, 1, &[0; 16]);
    set_size(&mut bytes, MAX_MSIZE + 1);
    assert_eq!(Frame::decode(&bytes), Err(WireError::TooLarge));
    set_size(&mut bytes, u32::MAX);
    assert_eq!(Frame::decode(&bytes), Err(WireError::TooLarge));
    // A negotiated msize is enforced too, and cannot raise the limit.
    let frame = raw(msgtype::TREAD, 1, &[0; 16]);
    assert!(Frame::decode_with_msize(&frame, 23).is_ok());
    assert_eq!(Frame::decode_with_msize(&frame, 22), Err(WireError::TooLarge));
    let mut big = raw(msgtype::RREAD, 1, &[0; 4]);
    big.resize(usize::try_from(MAX_MSIZE).unwrap() + 1, 0);
    set_size(&mut big, MAX_MSIZE + 1);
    assert_eq!(Frame::decode_with_msize(&big, u32::MAX), Err(WireError::TooLarge));
}

#[test]
fn unknown_types_are_named() {
    let carried: Vec<u8> = samples().iter().map(|f| f.message.kind()).collect();
    for kind in 0..=u8::MAX {
        if carried.contains(&kind) {
            continue;
        }
        assert_eq!(Frame::decode(&raw(kind, 1, &[0; 32])), Err(WireError::UnknownType(kind)));
    }
    // Tlerror, and messages of 9P2000 / 9P2000.u / optional 9P2000.L ops.
    for kind in [6, 16, 18, 20, 22, 32, 52, 54, 70, 102, 106, 112, 114, 122, 124, 126] {
        assert!(!carried.contains(&kind));
    }
    // The tag is still there for an Rlerror reply.
    let bytes = raw(102, 77, &[1, 2, 3]);
    assert_eq!(Header::parse(&bytes).unwrap().tag, 77);
}

#[test]
fn walk_element_limit() {
    let mut body = vec![1, 0, 0, 0, 2, 0, 0, 0];
    body.extend_from_slice(&17u16.to_le_bytes());
    for _ in 0..17 {
        body.extend_from_slice(&[1, 0, b'x']);
    }
    assert_eq!(Frame::decode(&raw(msgtype::TWALK, 1, &body)), Err(WireError::TooManyWalkNames));
    // Refused from the count alone.
    assert_eq!(
        Frame::decode(&raw(msgtype::TWALK, 1, &[0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF])),
        Err(WireError::TooManyWalkNames)
    );
    let mut body = 17u16.to_le_bytes().to_vec();
    body.extend_from_slice(&[0; 17 * Qid::LEN]);
    assert_eq!(Frame::decode(&raw(msgtype::RWALK, 1, &body)), Err(WireError::TooManyWalkNames));
    // Exactly MAXWELEM is fine.
    let mut body = u16::try_from(MAXWELEM).unwrap().to_le_bytes().to_vec();
    body.extend_from_slice(&[0; MAXWELEM * Qid::LEN]);
    assert!(Frame::decode(&raw(msgtype::RWALK, 1, &body)).is_ok());
}

#[test]
fn strings_must_be_utf8() {
    let body = [0, 0x20, 0, 0, 2, 0, 0xC3, 0x28];
    assert_eq!(Frame::decode(&raw(msgtype::TVERSION, 0xFFFF, &body)), Err(WireError::BadUtf8));
    let body = [1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0, 0xFF];
    assert_eq!(Frame::decode(&raw(msgtype::TWALK, 1, &body)), Err(WireError::BadUtf8));
}

#[test]
fn data_count_beyond_the_frame() {
    let body = [5, 0, 0, 0, b'a', b'b'];
    assert_eq!(Frame::decode(&raw(msgtype::RREAD, 1, &body)), Err(WireError::SizeMismatch));
    let body = [0xFF, 0xFF, 0xFF, 0xFF];
    assert_eq!(Frame::decode(&raw(msgtype::RREADDIR, 1, &body)), Err(WireError::SizeMismatch));
    let body = [0, 0, 0, 0];
    assert_eq!(Frame::decode(&raw(msgtype::RREAD, 1, &body)).unwrap().0.message, Message::Rread { data: &[] });
}

#[test]
fn encode_into_a_short_buffer_leaves_it_untouched() {
    for frame in samples() {
        let len = frame.encoded_len().unwrap();
        for n in 0..len {
            let mut out = vec![0xAAu8; n];
            assert_eq!(frame.encode(&mut out), Err(WireError::BufferTooSmall), "{frame:?} into {n}");
            assert!(out.iter().all(|b| *b == 0xAA));
        }
    }
}

#[test]
fn encode_over_msize_or_overlong_string() {
    let limit = usize::try_from(MAX_MSIZE).unwrap();
    let mut out = vec![0u8; limit + 64];
    let fits = vec![0u8; limit - 11];
    assert_eq!(Frame::new(1, Message::Rread { data: &fits }).encode(&mut out), Ok(limit));
    let over = vec![0u8; limit - 10];
    assert_eq!(Frame::new(1, Message::Rread { data: &over }).encode(&mut out), Err(WireError::TooLarge));
    assert_eq!(
        Frame::new(1, Message::Rread { data: &fits }).encode_with_msize(&mut out, 8192),
        Err(WireError::TooLarge)
    );
    let long = "x".repeat(usize::from(u16::MAX) + 1);
    let frame = Frame::new(1, Message::Tmkdir { dfid: 1, name: &long, mode: 0, gid: 0 });
    assert_eq!(frame.encode(&mut out), Err(WireError::StringTooLong));
    assert_eq!(frame.encoded_len(), Err(WireError::StringTooLong));
}

#[test]
fn dirent_writer_stops_at_whole_entries() {
    let entry =
        |i: u64, name| Dirent { qid: Qid { kind: 0, version: 0, path: i }, offset: i + 1, kind: Dirent::DT_REG, name };
    let names = ["a", "bb", "ccc", "dddd", "eeeee"];
    let mut buf = [0u8; 100];
    let mut writer = DirentWriter::new(&mut buf);
    assert!(writer.is_empty());
    let mut pushed = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match writer.push(&entry(i as u64, name)) {
            Ok(()) => pushed.push(entry(i as u64, name)),
            Err(e) => {
                assert_eq!(e, WireError::BufferTooSmall);
                break;
            }
        }
    }
    // 25 + 26 + 27 = 78 fits in 100; the fourth (28) does not.
    assert_eq!(pushed.len(), 3);
    assert_eq!(writer.len(), 78);
    let data = writer.into_bytes();
    let back: Vec<_> = Dirents::new(data).collect::<Result<_, _>>().unwrap();
    assert_eq!(back, pushed);
    // An Rreaddir carries them as they are.
    let frame = Frame::new(1, Message::Rreaddir { data });
    let bytes = encode(&frame);
    let (decoded, _) = Frame::decode(&bytes).unwrap();
    let Message::Rreaddir { data } = decoded.message else { panic!("not an Rreaddir") };
    assert_eq!(Dirents::new(data).count(), 3);
    let long = "y".repeat(usize::from(u16::MAX) + 1);
    let mut big = vec![0u8; 70_000];
    assert_eq!(DirentWriter::new(&mut big).push(&entry(0, &long)), Err(WireError::StringTooLong));
}

#[test]
fn dirents_stop_at_a_broken_entry() {
    let mut buf = [0u8; 64];
    let mut writer = DirentWriter::new(&mut buf);
    writer.push(&Dirent { qid: Qid::default(), offset: 1, kind: Dirent::DT_DIR, name: "ok" }).unwrap();
    let n = writer.len();
    let good = buf[..n].to_vec();
    for cut in 1..n {
        let mut it = Dirents::new(&good[..cut]);
        assert_eq!(it.next(), Some(Err(WireError::Truncated)));
        assert_eq!(it.next(), None);
    }
    let mut bad = good.clone();
    *bad.last_mut().unwrap() = 0xFF;
    bad.extend_from_slice(&good);
    let mut it = Dirents::new(&bad);
    assert_eq!(it.next(), Some(Err(WireError::BadUtf8)));
    assert_eq!(it.next(), None);
    assert_eq!(Dirents::new(&[]).next(), None);
}

#[test]
fn errno_values_are_linux() {
    let table = [
        (errno::EPERM, 1),
        (errno::ENOENT, 2),
        (errno::EIO, 5),
        (errno::EBADF, 9),
        (errno::EACCES, 13),
        (errno::EEXIST, 17),
        (errno::ENOTDIR, 20),
        (errno::EISDIR, 21),
        (errno::EINVAL, 22),
        (errno::ENOSPC, 28),
        (errno::EROFS, 30),
        (errno::ENAMETOOLONG, 36),
        (errno::ENOTEMPTY, 39),
        (errno::EPROTO, 71),
        (errno::EOPNOTSUPP, 95),
    ];
    for (got, want) in table {
        assert_eq!(got, want);
        assert!(errno::name(got).is_some());
    }
    assert_eq!(errno::name(errno::ENOENT), Some("ENOENT"));
    assert_eq!(errno::name(0), None);
}

#[test]
fn errors_display() {
    assert_eq!(WireError::UnknownType(3).to_string(), "unknown 9P message type 3");
    assert!(!WireError::Truncated.to_string().is_empty());
}
