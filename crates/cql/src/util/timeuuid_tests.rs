use std::cmp::Ordering;
use std::time::{Duration, SystemTime};

use cql_protocol::types::CqlTimestamp;
use uuid::Uuid;

use super::*;

/// Cassandra's `TimeUUIDType` order: the 60-bit time, then the last 8 bytes as signed bytes.
fn cassandra_cmp(a: Uuid, b: Uuid) -> Ordering {
    let t = |u: Uuid| uuid1_intervals(u).expect("v1");
    let lsb = |u: Uuid| -> Vec<i8> { u.as_bytes()[8..].iter().map(|b| *b as i8).collect() };
    t(a).cmp(&t(b)).then_with(|| lsb(a).cmp(&lsb(b)))
}

#[test]
fn layout_matches_rfc4122_and_python() {
    // Python: uuid_from_time(1700000000.123456, 0x0123456789ab, 0x1234)
    let u = uuid_from_time(1_700_000_000.123456, Some(0x0123_4567_89ab), Some(0x1234)).unwrap();
    assert_eq!(u.to_string(), "04c29680-833b-11ee-9234-0123456789ab");
    assert_eq!(u.get_version_num(), 1);
    assert_eq!(u.get_variant(), uuid::Variant::RFC4122);
    // The uuid crate reads the same time back.
    let (secs, nanos) = u.get_timestamp().expect("v1 timestamp").to_unix();
    assert_eq!((secs, nanos), (1_700_000_000, 123_456_000));
    // The epoch is GREGORIAN_OFFSET intervals.
    let e = uuid_from_time(0.0, Some(0), Some(0)).unwrap();
    assert_eq!(uuid1_intervals(e).unwrap(), GREGORIAN_OFFSET);
    assert_eq!(e.to_string(), "13814000-1dd2-11b2-8000-000000000000");
}

#[test]
fn min_and_max_bytes_and_order() {
    let lo = min_uuid_from_time(0.0).unwrap();
    let hi = max_uuid_from_time(0.0).unwrap();
    assert_eq!(&lo.as_bytes()[8..], &[0x80; 8]);
    assert_eq!(
        &hi.as_bytes()[8..],
        &[0xbf, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f]
    );
    // Every node and clock sequence of the same time sorts between them, as Cassandra
    // compares; the extremes of node and clock too.
    let t = 1_234_567_890.5;
    let (lo, hi) = (
        min_uuid_from_time(t).unwrap(),
        max_uuid_from_time(t).unwrap(),
    );
    let mut cases = vec![
        (0, 0),
        (0xffff_ffff_ffff, 0x3fff),
        (0, 0x3fff),
        (0xffff_ffff_ffff, 0),
    ];
    cases.extend((0..200).map(|i| (random_bits() & 0xffff_ffff_ffff, (i * 83) as u16 & 0x3fff)));
    for (node, clock) in cases {
        let u = uuid_from_time(t, Some(node), Some(clock)).unwrap();
        assert_ne!(cassandra_cmp(lo, u), Ordering::Greater, "{u}");
        assert_ne!(cassandra_cmp(u, hi), Ordering::Greater, "{u}");
    }
    // And the bounds of the neighbouring microseconds do not overlap.
    let next = min_uuid_from_time(t + 1e-6).unwrap();
    assert_eq!(cassandra_cmp(hi, next), Ordering::Less);
    // The lowest and highest of all.
    assert_eq!(
        LOWEST_TIME_UUID,
        min_uuid_from_time(-12_219_292_800.0).unwrap()
    );
    assert_eq!(cassandra_cmp(LOWEST_TIME_UUID, lo), Ordering::Less);
    assert_eq!(cassandra_cmp(hi, HIGHEST_TIME_UUID), Ordering::Less);
    assert_eq!(uuid1_intervals(HIGHEST_TIME_UUID).unwrap(), (1 << 60) - 1);
}

#[test]
fn random_node_and_clock_stay_in_range_and_vary() {
    let mut seen = std::collections::HashSet::new();
    for _ in 0..100 {
        let u = uuid_from_time(1.0, None, None).unwrap();
        assert_eq!(u.get_version_num(), 1);
        assert_eq!(u.as_bytes()[8] & 0xc0, 0x80, "variant bits");
        assert_eq!(uuid1_intervals(u).unwrap(), GREGORIAN_OFFSET + 10_000_000);
        seen.insert(u);
    }
    assert!(seen.len() > 95, "random bits repeat: {}", seen.len());
}

#[test]
fn time_inputs_agree() {
    let ms = 1_700_000_000_123_i64;
    let a = uuid_from_time(CqlTimestamp(ms), Some(1), Some(2)).unwrap();
    let b = uuid_from_time(
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms as u64),
        Some(1),
        Some(2),
    )
    .unwrap();
    assert_eq!(a, b);
    // Sub-microsecond parts are dropped: rounded down for a time, truncated for a number.
    let t = SystemTime::UNIX_EPOCH + Duration::from_nanos(1_999);
    assert_eq!(t.unix_micros(), Ok(1));
    let before = SystemTime::UNIX_EPOCH - Duration::from_nanos(1_001);
    assert_eq!(before.unix_micros(), Ok(-2));
    assert_eq!((-1.5e-6f64).unix_micros(), Ok(-1));
    assert_eq!(UuidTime::unix_micros(&&2.0f64), Ok(2_000_000));
    // Before the epoch, a timeuuid still holds the time.
    let old = uuid_from_time(CqlTimestamp(-1_000), Some(0), Some(0)).unwrap();
    assert_eq!(unix_time_from_uuid1(old).unwrap(), -1.0);
    assert_eq!(
        datetime_from_uuid1(old).unwrap(),
        SystemTime::UNIX_EPOCH - Duration::from_secs(1)
    );
}

#[test]
fn range_bounds_are_exact() {
    let first = SystemTime::UNIX_EPOCH - Duration::from_micros(12_219_292_800_000_000);
    assert_eq!(
        uuid_from_time(first, Some(0), Some(0)).map(uuid1_intervals),
        Ok(Ok(0))
    );
    let too_early = first - Duration::from_nanos(1);
    assert_eq!(
        uuid_from_time(too_early, None, None),
        Err(TimeuuidError::TimeOutOfRange {
            micros: -12_219_292_800_000_001
        })
    );
    let last = CqlTimestamp(103_072_857_660_684);
    let u = max_uuid_from_time(last).unwrap();
    assert_eq!(uuid1_intervals(u).unwrap(), (1 << 60) - 6_976);
    let last_micro = SystemTime::UNIX_EPOCH + Duration::from_micros(103_072_857_660_684_697);
    assert_eq!(
        uuid1_intervals(uuid_from_time(last_micro, Some(0), Some(0)).unwrap()).unwrap(),
        (1 << 60) - 6
    );
    assert!(matches!(
        uuid_from_time(last_micro + Duration::from_micros(1), None, None),
        Err(TimeuuidError::TimeOutOfRange { .. })
    ));
}

#[test]
fn bad_input_is_a_typed_error() {
    // Out of range times (Python wraps them silently).
    for t in [-12_219_292_800.000_002, -1e11, 1.04e11, 1e300, -1e300] {
        assert!(
            matches!(
                uuid_from_time(t, Some(0), Some(0)),
                Err(TimeuuidError::TimeOutOfRange { .. })
            ),
            "{t}"
        );
        assert!(min_uuid_from_time(t).is_err() && max_uuid_from_time(t).is_err());
    }
    assert!(matches!(
        uuid_from_time(CqlTimestamp(i64::MIN), None, None),
        Err(TimeuuidError::TimeOutOfRange { .. })
    ));
    assert!(matches!(
        uuid_from_time(CqlTimestamp(i64::MAX), None, None),
        Err(TimeuuidError::TimeOutOfRange { .. })
    ));
    for t in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert!(matches!(
            uuid_from_time(t, None, None),
            Err(TimeuuidError::NotFinite(_))
        ));
    }
    assert_eq!(
        uuid_from_time(0.0, Some(1 << 48), None),
        Err(TimeuuidError::NodeOutOfRange(1 << 48))
    );
    assert_eq!(
        uuid_from_time(0.0, Some(u64::MAX), Some(0)),
        Err(TimeuuidError::NodeOutOfRange(u64::MAX))
    );
    assert_eq!(
        uuid_from_time(0.0, None, Some(0x4000)),
        Err(TimeuuidError::ClockSeqOutOfRange(0x4000))
    );
    assert!(uuid_from_time(0.0, Some(0xffff_ffff_ffff), Some(0x3fff)).is_ok());

    // Not version 1.
    let v4: Uuid = "550e8400-e29b-41d4-a716-446655440000".parse().unwrap();
    for (u, version) in [(v4, 4), (Uuid::nil(), 0), (Uuid::max(), 15)] {
        assert_eq!(
            unix_time_from_uuid1(u),
            Err(TimeuuidError::NotVersion1 { version })
        );
        assert_eq!(
            datetime_from_uuid1(u),
            Err(TimeuuidError::NotVersion1 { version })
        );
    }
    // The messages say what is wrong.
    assert_eq!(
        TimeuuidError::NotVersion1 { version: 4 }.to_string(),
        "not a version-1 (time-based) UUID: version 4"
    );
    assert!(
        TimeuuidError::TimeOutOfRange { micros: -1 }
            .to_string()
            .contains("1582-10-15")
    );
    assert_eq!(
        TimeuuidError::ClockSeqOutOfRange(0x4000).to_string(),
        "clock_seq 0x4000 is out of range (need a 14-bit value)"
    );
}

#[test]
fn python_timedelta_rounding() {
    // Halfway cases round to even microseconds, as CPython's timedelta does.
    assert_eq!(python_timedelta_micros(0.0000005), 0);
    assert_eq!(python_timedelta_micros(0.0000015), 2);
    assert_eq!(python_timedelta_micros(-0.0000015), -2);
    assert_eq!(python_timedelta_micros(2.5e-6), 2);
    assert_eq!(python_timedelta_micros(3.5e-6), 4);
    assert_eq!(python_timedelta_micros(-5e-7), 0);
    assert_eq!(python_timedelta_micros(1.25), 1_250_000);
    assert_eq!(python_timedelta_micros(-1.25), -1_250_000);
    assert_eq!(
        python_timedelta_micros(-12_219_292_800.0),
        -12_219_292_800_000_000
    );
}

#[test]
fn exact_time_of_every_uuid1_without_overflow() {
    // The highest 60-bit time and the lowest: no overflow either way.
    let highest = Uuid::from_u128(0xffff_ffff_ffff_1fff_8080_8080_8080_8080);
    let t = system_time_from_uuid1(highest).expect("version 1");
    let ticks = (1u64 << 60) - 1 - GREGORIAN_OFFSET;
    assert_eq!(
        t.duration_since(SystemTime::UNIX_EPOCH)
            .expect("after 1970"),
        Duration::new(ticks / 10_000_000, (ticks % 10_000_000) as u32 * 100)
    );
    let lowest = system_time_from_uuid1(LOWEST_TIME_UUID).expect("version 1");
    assert_eq!(
        SystemTime::UNIX_EPOCH
            .duration_since(lowest)
            .expect("before 1970"),
        Duration::from_secs(12_219_292_800)
    );
    // Exact where Python's rounding differs: 7 intervals past a microsecond.
    let u = uuid_from_time(
        SystemTime::UNIX_EPOCH + Duration::from_micros(5),
        Some(0),
        Some(0),
    )
    .expect("uuid");
    let (msb, lsb) = u.as_u64_pair();
    let u7 = Uuid::from_u64_pair(msb + (7 << 32), lsb);
    assert_eq!(
        system_time_from_uuid1(u7).expect("v1"),
        SystemTime::UNIX_EPOCH + Duration::from_nanos(5_700)
    );
}
