//! Value types for CQL types that have no standard Rust equivalent.

/// A `date`: days since the epoch, stored as the unsigned wire value where `2^31` is 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CqlDate(pub u32);

impl CqlDate {
    /// The wire value of 1970-01-01.
    pub const EPOCH: u32 = 1 << 31;

    /// The date `days` after (or before, if negative) 1970-01-01.
    pub fn from_days_since_epoch(days: i32) -> Self {
        CqlDate((days as u32).wrapping_add(Self::EPOCH))
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(self) -> i32 {
        self.0.wrapping_sub(Self::EPOCH) as i32
    }
}

/// A `time`: nanoseconds since midnight (0 to 86 399 999 999 999; others are refused when
/// serialized, see [`SerializeError::ValueOutOfRange`](crate::serialize::SerializeError::ValueOutOfRange)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CqlTime(pub i64);

impl CqlTime {
    /// Nanoseconds in a day; valid values are below it.
    pub const NANOS_PER_DAY: i64 = 86_400_000_000_000;

    /// Whether the value is a valid time of day.
    pub fn is_valid(self) -> bool {
        (0..Self::NANOS_PER_DAY).contains(&self.0)
    }
}

/// A `timestamp`: milliseconds since 1970-01-01 00:00 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CqlTimestamp(pub i64);

/// A `duration`: months, days and nanoseconds, which do not convert into each other. The
/// three share a sign ([`CqlDuration::is_valid`]); others are refused when serialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CqlDuration {
    /// Months.
    pub months: i32,
    /// Days.
    pub days: i32,
    /// Nanoseconds.
    pub nanoseconds: i64,
}

impl CqlDuration {
    /// Whether the value is a valid duration: months, days and nanoseconds all `>= 0` or all
    /// `<= 0`, as the native protocol requires.
    pub fn is_valid(self) -> bool {
        let parts = [
            i64::from(self.months),
            i64::from(self.days),
            self.nanoseconds,
        ];
        parts.iter().all(|p| *p >= 0) || parts.iter().all(|p| *p <= 0)
    }
}

/// A `varint`: an arbitrary-precision integer as big-endian two's-complement bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CqlVarint(Vec<u8>);

impl CqlVarint {
    /// A varint from its big-endian two's-complement bytes (as sent on the wire).
    pub fn from_signed_bytes_be(bytes: Vec<u8>) -> Self {
        CqlVarint(bytes)
    }

    /// The big-endian two's-complement bytes.
    pub fn as_signed_bytes_be(&self) -> &[u8] {
        &self.0
    }

    /// Consumes the varint, returning its bytes.
    pub fn into_signed_bytes_be(self) -> Vec<u8> {
        self.0
    }

    /// The value as `i64`, if it fits.
    pub fn to_i64(&self) -> Option<i64> {
        let b = &self.0;
        if b.is_empty() {
            return Some(0);
        }
        // Strip redundant sign bytes, then check it fits in 8.
        let neg = b[0] & 0x80 != 0;
        let fill = if neg { 0xff } else { 0x00 };
        let mut start = 0;
        while start + 1 < b.len() && b[start] == fill && (b[start + 1] & 0x80 != 0) == neg {
            start += 1;
        }
        let b = &b[start..];
        if b.len() > 8 {
            return None;
        }
        let mut buf = [fill; 8];
        buf[8 - b.len()..].copy_from_slice(b);
        Some(i64::from_be_bytes(buf))
    }
}

impl From<i64> for CqlVarint {
    /// The minimal two's-complement encoding.
    fn from(v: i64) -> Self {
        let b = v.to_be_bytes();
        let neg = v < 0;
        let fill = if neg { 0xff } else { 0 };
        let mut start = 0;
        while start < 7 && b[start] == fill && (b[start + 1] & 0x80 != 0) == neg {
            start += 1;
        }
        CqlVarint(b[start..].to_vec())
    }
}

/// A `decimal`: `unscaled * 10^-scale`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CqlDecimal {
    /// The unscaled value.
    pub unscaled: CqlVarint,
    /// The power of ten to divide by.
    pub scale: i32,
}

impl CqlDecimal {
    /// A decimal from an `i64` unscaled value and a scale.
    pub fn new(unscaled: i64, scale: i32) -> Self {
        CqlDecimal {
            unscaled: unscaled.into(),
            scale,
        }
    }
}

#[cfg(feature = "chrono")]
mod chrono_impls {
    use super::*;
    use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc};

    fn epoch() -> NaiveDate {
        NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN)
    }

    impl From<NaiveDate> for CqlDate {
        fn from(d: NaiveDate) -> Self {
            CqlDate::from_days_since_epoch((d - epoch()).num_days() as i32)
        }
    }

    impl TryFrom<CqlDate> for NaiveDate {
        type Error = super::super::ConversionError;
        fn try_from(d: CqlDate) -> Result<Self, Self::Error> {
            epoch()
                .checked_add_signed(TimeDelta::days(d.days_since_epoch().into()))
                .ok_or(super::super::ConversionError("date out of chrono's range"))
        }
    }

    impl From<NaiveTime> for CqlTime {
        fn from(t: NaiveTime) -> Self {
            // Leap seconds (nanosecond >= 1e9) are folded into the last second.
            let nanos = t.nanosecond().min(999_999_999);
            CqlTime(i64::from(t.num_seconds_from_midnight()) * 1_000_000_000 + i64::from(nanos))
        }
    }

    impl TryFrom<CqlTime> for NaiveTime {
        type Error = super::super::ConversionError;
        fn try_from(t: CqlTime) -> Result<Self, Self::Error> {
            if !t.is_valid() {
                return Err(super::super::ConversionError("time out of range"));
            }
            let secs = (t.0 / 1_000_000_000) as u32;
            let nanos = (t.0 % 1_000_000_000) as u32;
            NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)
                .ok_or(super::super::ConversionError("time out of range"))
        }
    }

    impl From<DateTime<Utc>> for CqlTimestamp {
        fn from(t: DateTime<Utc>) -> Self {
            CqlTimestamp(t.timestamp_millis())
        }
    }

    impl TryFrom<CqlTimestamp> for DateTime<Utc> {
        type Error = super::super::ConversionError;
        fn try_from(t: CqlTimestamp) -> Result<Self, Self::Error> {
            DateTime::from_timestamp_millis(t.0).ok_or(super::super::ConversionError(
                "timestamp out of chrono's range",
            ))
        }
    }
}

#[cfg(feature = "time")]
mod time_impls {
    use super::*;

    impl From<time::Date> for CqlDate {
        fn from(d: time::Date) -> Self {
            CqlDate::from_days_since_epoch(d.to_julian_day() - 2_440_588)
        }
    }

    impl TryFrom<CqlDate> for time::Date {
        type Error = super::super::ConversionError;
        fn try_from(d: CqlDate) -> Result<Self, Self::Error> {
            i32::checked_add(d.days_since_epoch(), 2_440_588)
                .and_then(|j| time::Date::from_julian_day(j).ok())
                .ok_or(super::super::ConversionError("date out of time's range"))
        }
    }

    impl From<time::Time> for CqlTime {
        fn from(t: time::Time) -> Self {
            let (h, m, s, n) = t.as_hms_nano();
            CqlTime(
                (i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s)) * 1_000_000_000
                    + i64::from(n),
            )
        }
    }

    impl TryFrom<CqlTime> for time::Time {
        type Error = super::super::ConversionError;
        fn try_from(t: CqlTime) -> Result<Self, Self::Error> {
            if !t.is_valid() {
                return Err(super::super::ConversionError("time out of range"));
            }
            let secs = t.0 / 1_000_000_000;
            time::Time::from_hms_nano(
                (secs / 3600) as u8,
                ((secs / 60) % 60) as u8,
                (secs % 60) as u8,
                (t.0 % 1_000_000_000) as u32,
            )
            .map_err(|_| super::super::ConversionError("time out of range"))
        }
    }

    impl From<time::OffsetDateTime> for CqlTimestamp {
        fn from(t: time::OffsetDateTime) -> Self {
            CqlTimestamp((t.unix_timestamp_nanos() / 1_000_000) as i64)
        }
    }

    impl TryFrom<CqlTimestamp> for time::OffsetDateTime {
        type Error = super::super::ConversionError;
        fn try_from(t: CqlTimestamp) -> Result<Self, Self::Error> {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(t.0) * 1_000_000)
                .map_err(|_| super::super::ConversionError("timestamp out of time's range"))
        }
    }
}

// `bigdecimal` needs these too; it enables the num-bigint dependency, not its feature.
#[cfg(any(feature = "num-bigint", feature = "bigdecimal"))]
mod bigint_impls {
    use super::*;

    impl From<num_bigint::BigInt> for CqlVarint {
        fn from(v: num_bigint::BigInt) -> Self {
            CqlVarint(v.to_signed_bytes_be())
        }
    }

    impl From<&CqlVarint> for num_bigint::BigInt {
        fn from(v: &CqlVarint) -> Self {
            num_bigint::BigInt::from_signed_bytes_be(&v.0)
        }
    }

    impl From<CqlVarint> for num_bigint::BigInt {
        fn from(v: CqlVarint) -> Self {
            num_bigint::BigInt::from_signed_bytes_be(&v.0)
        }
    }
}

#[cfg(feature = "bigdecimal")]
mod bigdecimal_impls {
    use super::*;

    impl TryFrom<bigdecimal::BigDecimal> for CqlDecimal {
        type Error = super::super::ConversionError;
        fn try_from(v: bigdecimal::BigDecimal) -> Result<Self, Self::Error> {
            let (unscaled, scale) = v.into_bigint_and_exponent();
            Ok(CqlDecimal {
                unscaled: unscaled.into(),
                scale: i32::try_from(scale)
                    .map_err(|_| super::super::ConversionError("decimal scale out of range"))?,
            })
        }
    }

    impl From<CqlDecimal> for bigdecimal::BigDecimal {
        fn from(v: CqlDecimal) -> Self {
            bigdecimal::BigDecimal::new(v.unscaled.into(), i64::from(v.scale))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_minimal_and_back() {
        for (v, bytes) in [
            (0i64, vec![0u8]),
            (1, vec![1]),
            (127, vec![0x7f]),
            (128, vec![0x00, 0x80]),
            (-1, vec![0xff]),
            (-128, vec![0x80]),
            (-129, vec![0xff, 0x7f]),
            (i64::MIN, i64::MIN.to_be_bytes().to_vec()),
        ] {
            let c = CqlVarint::from(v);
            assert_eq!(c.as_signed_bytes_be(), &bytes[..], "{v}");
            assert_eq!(c.to_i64(), Some(v));
        }
        let padded = CqlVarint::from_signed_bytes_be(vec![0xff, 0xff, 0xff, 0x80]);
        assert_eq!(padded.to_i64(), Some(-128));
        let big = CqlVarint::from_signed_bytes_be(vec![1, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(big.to_i64(), None);
    }

    #[test]
    fn date_epoch() {
        assert_eq!(CqlDate::from_days_since_epoch(0).0, 1 << 31);
        assert_eq!(CqlDate(0).days_since_epoch(), i32::MIN);
        assert_eq!(CqlDate::from_days_since_epoch(-5).days_since_epoch(), -5);
    }

    #[cfg(feature = "time")]
    #[test]
    fn time_conversions() {
        let d = time::Date::from_calendar_date(2024, time::Month::February, 29).unwrap();
        assert_eq!(CqlDate::from(d).days_since_epoch(), 19782);
        assert_eq!(time::Date::try_from(CqlDate::from(d)).unwrap(), d);
        let t = time::Time::from_hms_nano(23, 59, 58, 999).unwrap();
        assert_eq!(time::Time::try_from(CqlTime::from(t)).unwrap(), t);
        let ts = CqlTimestamp(1_709_208_000_123);
        assert_eq!(
            CqlTimestamp::from(time::OffsetDateTime::try_from(ts).unwrap()),
            ts
        );
    }

    #[cfg(feature = "bigdecimal")]
    #[test]
    fn bigint_and_bigdecimal_conversions() {
        use std::str::FromStr;
        let b = num_bigint::BigInt::from_str("-123456789012345678901234567890").unwrap();
        let v = CqlVarint::from(b.clone());
        assert_eq!(num_bigint::BigInt::from(&v), b);
        let d = bigdecimal::BigDecimal::from_str("-12.345").unwrap();
        let c = CqlDecimal::try_from(d.clone()).unwrap();
        assert_eq!(c, CqlDecimal::new(-12345, 3));
        assert_eq!(bigdecimal::BigDecimal::from(c), d);
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn chrono_conversions() {
        use chrono::{NaiveDate, NaiveTime};
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let c = CqlDate::from(d);
        assert_eq!(c.days_since_epoch(), 19782);
        assert_eq!(NaiveDate::try_from(c).unwrap(), d);
        let t = NaiveTime::from_hms_nano_opt(13, 14, 15, 16).unwrap();
        assert_eq!(NaiveTime::try_from(CqlTime::from(t)).unwrap(), t);
    }
}
