//! Version-1 (time-based) UUIDs, the values of `timeuuid` columns: the helpers of the Python
//! driver's `cassandra.util` (`uuid_from_time`, `min_uuid_from_time`, `max_uuid_from_time`,
//! `unix_time_from_uuid1`, `datetime_from_uuid1`, `LOWEST_TIME_UUID`, `HIGHEST_TIME_UUID`),
//! with the same results, and typed errors where Python would silently wrap or fail.
//!
//! A version-1 UUID holds a 60-bit count of 100-nanosecond intervals since the Gregorian
//! reform, 1582-10-15 00:00 UTC ([`GREGORIAN_OFFSET`] of them before the Unix epoch), a
//! 14-bit clock sequence and a 48-bit node. Cassandra sorts `timeuuid`s by that time first,
//! then by their last 8 bytes compared as *signed* bytes; [`min_uuid_from_time`] and
//! [`max_uuid_from_time`] fill those bytes with the smallest (`0x80`) and largest (`0x7f`)
//! signed bytes the variant bits allow, as Python does, so every timeuuid of that time sorts
//! between them.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use cql::util::timeuuid::{max_uuid_from_time, min_uuid_from_time, uuid_from_time, unix_time_from_uuid1};
//!
//! let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let u = uuid_from_time(t, None, None)?; // random node and clock sequence
//! assert_eq!(unix_time_from_uuid1(u)?, 1_700_000_000.0);
//! // Bounds for `WHERE id >= ? AND id <= ?` over that microsecond.
//! let (lo, hi) = (min_uuid_from_time(t)?, max_uuid_from_time(t)?);
//! assert_eq!(lo.to_string(), "04afc000-833b-11ee-8080-808080808080");
//! assert_eq!(hi.to_string(), "04afc000-833b-11ee-bf7f-7f7f7f7f7f7f");
//! # Ok::<(), cql::util::timeuuid::TimeuuidError>(())
//! ```

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use cql_protocol::types::CqlTimestamp;
use uuid::Uuid;

/// 100-nanosecond intervals from 1582-10-15 00:00 UTC (the UUID epoch) to 1970-01-01.
pub const GREGORIAN_OFFSET: u64 = 0x01b2_1dd2_1381_4000;

/// The lowest possible timeuuid as Cassandra sorts them: time 0 (1582-10-15), and the last
/// 8 bytes `0x80` (Python's `LOWEST_TIME_UUID`).
///
/// ```
/// assert_eq!(cql::util::timeuuid::LOWEST_TIME_UUID.to_string(), "00000000-0000-1000-8080-808080808080");
/// ```
pub const LOWEST_TIME_UUID: Uuid = Uuid::from_u128(0x0000_0000_0000_1000_8080_8080_8080_8080);

/// The highest possible timeuuid as Cassandra sorts them: the last time a version-1 UUID
/// holds (5236-03-31), and the last 8 bytes `0xbf 0x7f...` (Python's `HIGHEST_TIME_UUID`).
///
/// ```
/// assert_eq!(cql::util::timeuuid::HIGHEST_TIME_UUID.to_string(), "ffffffff-ffff-1fff-bf7f-7f7f7f7f7f7f");
/// ```
pub const HIGHEST_TIME_UUID: Uuid = Uuid::from_u128(0xffff_ffff_ffff_1fff_bf7f_7f7f_7f7f_7f7f);

/// The node [`min_uuid_from_time`] uses: six `0x80` bytes (the smallest signed bytes).
pub const MIN_NODE: u64 = 0x8080_8080_8080;
/// The clock sequence [`min_uuid_from_time`] uses: with the variant bits, bytes `0x80 0x80`.
pub const MIN_CLOCK_SEQ: u16 = 0x0080;
/// The node [`max_uuid_from_time`] uses: six `0x7f` bytes (the largest signed bytes).
pub const MAX_NODE: u64 = 0x7f7f_7f7f_7f7f;
/// The clock sequence [`max_uuid_from_time`] uses: with the variant bits, bytes `0xbf 0x7f`.
pub const MAX_CLOCK_SEQ: u16 = 0x3f7f;

/// Microseconds since the Unix epoch of 1582-10-15 00:00 UTC, the earliest time a
/// version-1 UUID holds.
const MIN_MICROS: i128 = -(GREGORIAN_OFFSET as i128) / 10;
/// Microseconds since the Unix epoch of the last whole microsecond a version-1 UUID holds
/// (5236-03-31 21:21:00.684697 UTC): `micros * 10 + GREGORIAN_OFFSET < 2^60`.
const MAX_MICROS: i128 = ((1_i128 << 60) - 1 - GREGORIAN_OFFSET as i128) / 10;

/// Why a timeuuid helper refused its input.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimeuuidError {
    /// The UUID is not a version-1 (time-based) UUID, so it holds no time. Cassandra refuses
    /// such a UUID in a `timeuuid` column too.
    #[error("not a version-1 (time-based) UUID: version {version}")]
    NotVersion1 {
        /// The UUID's version number (bits 4-7 of byte 6).
        version: usize,
    },
    /// The time is outside what a version-1 UUID holds: before 1582-10-15 00:00 UTC or
    /// after 5236-03-31 21:21:00.684697 UTC. Python wraps such times around silently.
    #[error(
        "time {micros} µs since the Unix epoch is out of a version-1 UUID's range \
         (1582-10-15 00:00 UTC to 5236-03-31 21:21:00.684697 UTC)"
    )]
    TimeOutOfRange {
        /// The time in microseconds since the Unix epoch (saturated when it does not fit).
        micros: i128,
    },
    /// A time in seconds that is NaN or infinite.
    #[error("time {0} is not a finite number of seconds")]
    NotFinite(f64),
    /// A node of more than 48 bits.
    #[error("node {0:#x} is out of range (need a 48-bit value)")]
    NodeOutOfRange(u64),
    /// A clock sequence of more than 14 bits.
    #[error("clock_seq {0:#x} is out of range (need a 14-bit value)")]
    ClockSeqOutOfRange(u16),
}

/// A time that a version-1 UUID can be made for: what Python's `uuid_from_time` accepts,
/// a number of seconds since the epoch (`f64`) or a date and time (`SystemTime`, or a
/// [`CqlTimestamp`]).
///
/// All of them are first turned into whole microseconds since the Unix epoch (Python's
/// resolution, the 100-ns intervals of the UUID then being a multiple of 10):
///
/// - `f64` seconds as Python does with a number: `int(seconds * 1e6)`, the product in
///   double precision, truncated toward zero.
/// - `SystemTime` as Python does with a `datetime`: the time rounded down to the
///   microsecond (a `datetime` has no finer resolution). Python then computes the 100-ns
///   count through a double (`int((seconds * 1e6 + microsecond) * 10)`), which is exact only
///   while the count from 1970 stays below 2^54, i.e. from 1912 to 2027; beyond, Python is
///   off by half a double's spacing, in either direction: up to 200 ns until 2084, growing
///   to a few microseconds by 5236. This computes it exactly, as Python does from 1912 to
///   2027.
/// - `CqlTimestamp` milliseconds exactly.
///
/// ```
/// use cql::util::timeuuid::UuidTime;
/// use std::time::{Duration, SystemTime};
/// assert_eq!(1.5f64.unix_micros(), Ok(1_500_000));
/// assert_eq!((-1e-7f64).unix_micros(), Ok(0)); // truncated toward zero, as Python's int()
/// let before = SystemTime::UNIX_EPOCH - Duration::from_nanos(1);
/// assert_eq!(before.unix_micros(), Ok(-1)); // rounded down, as a datetime
/// ```
pub trait UuidTime {
    /// The time in whole microseconds since 1970-01-01 00:00 UTC, or why it has none.
    fn unix_micros(&self) -> Result<i128, TimeuuidError>;
}

impl UuidTime for f64 {
    fn unix_micros(&self) -> Result<i128, TimeuuidError> {
        if !self.is_finite() {
            return Err(TimeuuidError::NotFinite(*self));
        }
        // `as` saturates; any value that large is out of range below anyway.
        Ok((self * 1e6).trunc() as i128)
    }
}

impl UuidTime for SystemTime {
    fn unix_micros(&self) -> Result<i128, TimeuuidError> {
        Ok(match self.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(d) => (d.as_nanos() / 1000) as i128,
            Err(e) => -((e.duration().as_nanos() as i128 + 999) / 1000),
        })
    }
}

impl UuidTime for CqlTimestamp {
    fn unix_micros(&self) -> Result<i128, TimeuuidError> {
        Ok(i128::from(self.0) * 1000)
    }
}

impl<T: UuidTime + ?Sized> UuidTime for &T {
    fn unix_micros(&self) -> Result<i128, TimeuuidError> {
        (**self).unix_micros()
    }
}

/// 64 random bits for the node and clock sequence Python randomizes: std's per-process
/// random hash keys over a counter and the clock (not for cryptography; neither is Python's
/// `random.getrandbits`).
fn random_bits() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// A version-1 UUID for `time` (Python's `uuid_from_time`): the time's 100-ns intervals
/// since 1582-10-15, `clock_seq` (14 bits) and `node` (48 bits), each random when `None`.
///
/// The bytes are Python's: `time_low`, `time_mid`, `time_hi` with version 1, then
/// `0x80 | clock_seq >> 8` (the RFC 4122 variant), `clock_seq & 0xff`, and the node.
///
/// Errors: [`TimeuuidError::TimeOutOfRange`] for a time before 1582-10-15 or after
/// 5236-03-31 (Python silently wraps it), [`TimeuuidError::NotFinite`] for a NaN or infinite
/// `f64`, [`TimeuuidError::NodeOutOfRange`] and [`TimeuuidError::ClockSeqOutOfRange`].
///
/// ```
/// use cql::util::timeuuid::uuid_from_time;
/// let u = uuid_from_time(1_700_000_000.123456, Some(0x0123_4567_89ab), Some(0x1234))?;
/// assert_eq!(u.to_string(), "04c29680-833b-11ee-9234-0123456789ab");
/// assert_eq!(u.get_version_num(), 1);
/// assert!(uuid_from_time(-1e11, None, None).is_err()); // 1 May 1653 BC
/// # Ok::<(), cql::util::timeuuid::TimeuuidError>(())
/// ```
pub fn uuid_from_time(
    time: impl UuidTime,
    node: Option<u64>,
    clock_seq: Option<u16>,
) -> Result<Uuid, TimeuuidError> {
    let micros = time.unix_micros()?;
    if !(MIN_MICROS..=MAX_MICROS).contains(&micros) {
        return Err(TimeuuidError::TimeOutOfRange { micros });
    }
    let intervals = (micros * 10 + i128::from(GREGORIAN_OFFSET)) as u64;
    let clock_seq = match clock_seq {
        Some(c) if c > 0x3fff => return Err(TimeuuidError::ClockSeqOutOfRange(c)),
        Some(c) => c,
        None => (random_bits() & 0x3fff) as u16,
    };
    let node = match node {
        Some(n) if n > 0xffff_ffff_ffff => return Err(TimeuuidError::NodeOutOfRange(n)),
        Some(n) => n,
        None => random_bits() & 0xffff_ffff_ffff,
    };
    let time_low = intervals & 0xffff_ffff;
    let time_mid = (intervals >> 32) & 0xffff;
    let time_hi_version = ((intervals >> 48) & 0x0fff) | 0x1000;
    let msb = (time_low << 32) | (time_mid << 16) | time_hi_version;
    let clock = u64::from(0x8000 | (clock_seq & 0x3fff));
    let lsb = (clock << 48) | node;
    Ok(Uuid::from_u64_pair(msb, lsb))
}

/// The smallest timeuuid of `time` as Cassandra compares them (Python's
/// `min_uuid_from_time`): node [`MIN_NODE`] and clock sequence [`MIN_CLOCK_SEQ`], the last 8
/// bytes all `0x80`. For a time in whole milliseconds it is Cassandra's `minTimeuuid`.
///
/// ```
/// use cql::protocol::types::CqlTimestamp;
/// use cql::util::timeuuid::min_uuid_from_time;
/// let u = min_uuid_from_time(CqlTimestamp(0))?;
/// assert_eq!(u.to_string(), "13814000-1dd2-11b2-8080-808080808080");
/// # Ok::<(), cql::util::timeuuid::TimeuuidError>(())
/// ```
pub fn min_uuid_from_time(time: impl UuidTime) -> Result<Uuid, TimeuuidError> {
    uuid_from_time(time, Some(MIN_NODE), Some(MIN_CLOCK_SEQ))
}

/// The largest timeuuid of `time` as Cassandra compares them (Python's
/// `max_uuid_from_time`): node [`MAX_NODE`] and clock sequence [`MAX_CLOCK_SEQ`], the last 8
/// bytes `0xbf` then `0x7f`s. Like Python's, it is the largest of the time's microsecond
/// *start*: a timeuuid later within the same microsecond (which only other clients make)
/// sorts after it.
///
/// ```
/// use cql::util::timeuuid::max_uuid_from_time;
/// let u = max_uuid_from_time(0.0)?;
/// assert_eq!(u.to_string(), "13814000-1dd2-11b2-bf7f-7f7f7f7f7f7f");
/// # Ok::<(), cql::util::timeuuid::TimeuuidError>(())
/// ```
pub fn max_uuid_from_time(time: impl UuidTime) -> Result<Uuid, TimeuuidError> {
    uuid_from_time(time, Some(MAX_NODE), Some(MAX_CLOCK_SEQ))
}

/// The 60-bit time field of a version-1 UUID: 100-ns intervals since 1582-10-15.
fn uuid1_intervals(uuid: Uuid) -> Result<u64, TimeuuidError> {
    let version = uuid.get_version_num();
    if version != 1 {
        return Err(TimeuuidError::NotVersion1 { version });
    }
    let (msb, _) = uuid.as_u64_pair();
    let time_low = msb >> 32;
    let time_mid = (msb >> 16) & 0xffff;
    let time_hi = msb & 0x0fff;
    Ok((time_hi << 48) | (time_mid << 32) | time_low)
}

/// The time of a version-1 UUID in seconds since the Unix epoch, as a double (Python's
/// `unix_time_from_uuid1`): `(intervals - GREGORIAN_OFFSET) / 1e7`, so to about a
/// microsecond for current times (a double's precision). Negative before 1970.
///
/// Errors with [`TimeuuidError::NotVersion1`] for any other UUID (Python returns a
/// meaningless number). Only the version is checked, as Cassandra does for a timeuuid.
///
/// ```
/// use cql::util::timeuuid::{unix_time_from_uuid1, LOWEST_TIME_UUID};
/// let u: uuid::Uuid = "04c29680-833b-11ee-9234-0123456789ab".parse().unwrap();
/// assert_eq!(unix_time_from_uuid1(u)?, 1_700_000_000.123456);
/// assert_eq!(unix_time_from_uuid1(LOWEST_TIME_UUID)?, -12_219_292_800.0);
/// assert!(unix_time_from_uuid1(uuid::Uuid::nil()).is_err());
/// # Ok::<(), cql::util::timeuuid::TimeuuidError>(())
/// ```
pub fn unix_time_from_uuid1(uuid: Uuid) -> Result<f64, TimeuuidError> {
    let since_epoch = uuid1_intervals(uuid)? as i64 - GREGORIAN_OFFSET as i64;
    Ok(since_epoch as f64 / 1e7)
}

/// The time of a version-1 UUID to the microsecond (Python's `datetime_from_uuid1`, which
/// returns a naive UTC `datetime`; here a `SystemTime`).
///
/// The microseconds are Python's: [`unix_time_from_uuid1`]'s double turned into a
/// `timedelta(seconds=...)`, i.e. rounded half to even from the double, not from the exact
/// 100-ns count; so it can differ from the exact time rounded to the microsecond by one
/// microsecond. For the exact time use the `uuid` crate's
/// [`Uuid::get_timestamp`].
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use cql::util::timeuuid::{datetime_from_uuid1, uuid_from_time};
/// let t = SystemTime::UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
/// let u = uuid_from_time(t, Some(0), Some(0))?;
/// assert_eq!(datetime_from_uuid1(u)?, t);
/// # Ok::<(), cql::util::timeuuid::TimeuuidError>(())
/// ```
pub fn datetime_from_uuid1(uuid: Uuid) -> Result<SystemTime, TimeuuidError> {
    let micros = python_timedelta_micros(unix_time_from_uuid1(uuid)?);
    let magnitude = Duration::from_micros(micros.unsigned_abs() as u64);
    Ok(if micros >= 0 {
        SystemTime::UNIX_EPOCH + magnitude
    } else {
        SystemTime::UNIX_EPOCH - magnitude
    })
}

/// The exact time of a version-1 UUID (its 100-ns count, no rounding): what a trace
/// event's id says of when it happened. [`datetime_from_uuid1`] rounds like Python.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use cql::util::timeuuid::{system_time_from_uuid1, LOWEST_TIME_UUID};
/// let u: uuid::Uuid = "04c29680-833b-11ee-9234-0123456789ab".parse().unwrap();
/// let t = system_time_from_uuid1(u)?;
/// assert_eq!(t, SystemTime::UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_000));
/// assert!(system_time_from_uuid1(LOWEST_TIME_UUID)? < SystemTime::UNIX_EPOCH);
/// assert!(system_time_from_uuid1(uuid::Uuid::nil()).is_err());
/// # Ok::<(), cql::util::timeuuid::TimeuuidError>(())
/// ```
pub fn system_time_from_uuid1(uuid: Uuid) -> Result<SystemTime, TimeuuidError> {
    let ticks = uuid1_intervals(uuid)?;
    // 100-ns intervals (60 bits: in nanoseconds they could overflow a u64).
    let from_epoch = |d: u64| Duration::new(d / 10_000_000, (d % 10_000_000) as u32 * 100);
    Ok(if ticks >= GREGORIAN_OFFSET {
        SystemTime::UNIX_EPOCH + from_epoch(ticks - GREGORIAN_OFFSET)
    } else {
        SystemTime::UNIX_EPOCH - from_epoch(GREGORIAN_OFFSET - ticks)
    })
}

/// The microseconds of CPython's `timedelta(seconds=s)` for a finite double `s` (its C
/// implementation: the integral seconds exactly, the fraction's microseconds in double
/// arithmetic, the rest rounded half to even).
fn python_timedelta_micros(seconds: f64) -> i128 {
    let int_secs = seconds.trunc();
    let frac = seconds - int_secs;
    let mut micros = int_secs as i128 * 1_000_000;
    if frac == 0.0 {
        return micros;
    }
    let frac_us = 1e6 * frac;
    let whole_frac_us = frac_us.trunc();
    micros += whole_frac_us as i128;
    let leftover = frac_us - whole_frac_us;
    if leftover != 0.0 {
        let mut whole = leftover.round();
        if (whole - leftover).abs() == 0.5 {
            let odd = (micros & 1) as f64;
            whole = 2.0 * ((leftover + odd) * 0.5).round() - odd;
        }
        micros += whole as i128;
    }
    micros
}

#[cfg(test)]
#[path = "timeuuid_tests.rs"]
mod tests;
