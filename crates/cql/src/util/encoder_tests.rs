use std::sync::Arc;

use bytes::Bytes;
use cql_protocol::types::{
    CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlVarint, UserDefinedType,
};
use uuid::Uuid;

use super::*;

fn lit(v: CqlValue) -> String {
    v.to_cql_literal()
}

fn varint(b: &[u8]) -> CqlVarint {
    CqlVarint::from_signed_bytes_be(b.to_vec())
}

#[test]
fn scalars() {
    let cases: Vec<(CqlValue, &str)> = vec![
        (CqlValue::Ascii(String::new()), "''"),
        (CqlValue::Text("it's ''".into()), "'it''s '''''"),
        (CqlValue::Text("'".into()), "''''"),
        (CqlValue::Text("naïve ✓\n$$".into()), "'naïve ✓\n$$'"),
        (CqlValue::BigInt(i64::MIN), "-9223372036854775808"),
        (CqlValue::Counter(i64::MAX), "9223372036854775807"),
        (CqlValue::Int(i32::MIN), "-2147483648"),
        (CqlValue::SmallInt(i16::MAX), "32767"),
        (CqlValue::TinyInt(-128), "-128"),
        (CqlValue::Boolean(true), "True"),
        (CqlValue::Boolean(false), "False"),
        (CqlValue::Blob(Bytes::new()), "0x"),
        (
            CqlValue::Blob(Bytes::from_static(&[0, 0xab, 0xff])),
            "0x00abff",
        ),
        (CqlValue::Custom(Bytes::from_static(b"\x01")), "0x01"),
        (
            CqlValue::Date(CqlDate::from_days_since_epoch(0)),
            "2147483648",
        ),
        (CqlValue::Date(CqlDate(0)), "0"),
        (CqlValue::Date(CqlDate(u32::MAX)), "4294967295"),
        (CqlValue::Time(CqlTime(0)), "'00:00:00.000000000'"),
        (
            CqlValue::Time(CqlTime(86_399_999_999_999)),
            "'23:59:59.999999999'",
        ),
        (CqlValue::Time(CqlTime(-1)), "'-1:59:59.999999999'"),
        (CqlValue::Timestamp(CqlTimestamp(-1)), "-1"),
        (
            CqlValue::Uuid(Uuid::from_u128(0x550e_8400_e29b_41d4_a716_4466_5544_0000)),
            "550e8400-e29b-41d4-a716-446655440000",
        ),
        (
            CqlValue::Timeuuid(Uuid::from_u128(0xfe2b_4360_28c6_11e2_81c1_0800_200c_9a66)),
            "fe2b4360-28c6-11e2-81c1-0800200c9a66",
        ),
        (CqlValue::Empty, "NULL"),
    ];
    for (v, want) in cases {
        assert_eq!(lit(v.clone()), want, "{v:?}");
    }
    assert_eq!(None::<CqlValue>.to_cql_literal(), "NULL");
}

#[test]
fn durations_carry_the_sign_of_any_negative_part() {
    let d = |months, days, nanoseconds| {
        lit(CqlValue::Duration(CqlDuration {
            months,
            days,
            nanoseconds,
        }))
    };
    assert_eq!(d(0, 0, 0), "0mo0d0ns");
    assert_eq!(d(1, 2, 3), "1mo2d3ns");
    assert_eq!(d(-1, -2, -3), "-1mo2d3ns");
    assert_eq!(d(0, 0, -1), "-0mo0d1ns");
    assert_eq!(
        d(i32::MIN, 0, i64::MIN),
        "-2147483648mo0d9223372036854775808ns"
    );
    // Mixed signs (invalid) as the reference writes them.
    assert_eq!(d(1, -1, 0), "-1mo1d0ns");
}

#[test]
fn floats_as_python_repr() {
    let cases: Vec<(f64, &str)> = vec![
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (123_456_789.0, "123456789.0"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e+16"),
        (1.5e16, "1.5e+16"),
        (9_007_199_254_740_993.0, "9007199254740992.0"),
        (123_456_789_012_345_678.0, "1.2345678901234568e+17"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (1.5e-7, "1.5e-07"),
        (f64::MAX, "1.7976931348623157e+308"),
        (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
        (5e-324, "5e-324"),
        (1e100, "1e+100"),
        // An exact tie between two shortest forms: to even, as Python.
        (-5_650_681_456_767_761.0 / 4.0, "-1412670364191940.2"),
        (5_650_681_456_767_763.0 / 4.0, "1412670364191940.8"),
        (f64::NAN, "NaN"),
        (-f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
    ];
    for (v, want) in cases {
        assert_eq!(lit(CqlValue::Double(v)), want, "{v:e}");
    }
    // A float is written as the double it widens to.
    assert_eq!(lit(CqlValue::Float(0.1)), "0.10000000149011612");
    assert_eq!(lit(CqlValue::Float(1.5)), "1.5");
    assert_eq!(lit(CqlValue::Float(f32::MAX)), "3.4028234663852886e+38");
    assert_eq!(lit(CqlValue::Float(f32::NEG_INFINITY)), "-Infinity");
}

#[test]
fn varints_any_size() {
    let cases: Vec<(&[u8], &str)> = vec![
        (&[0], "0"),
        (&[0x7f], "127"),
        (&[0x80], "-128"),
        (&[0xff], "-1"),
        (&[0x00, 0x80], "128"),
        (&[0xff, 0xff, 0xff, 0x80], "-128"),
        (&[0x00, 0x00, 0x01], "1"),
        (&[0x01, 0, 0, 0, 0, 0, 0, 0, 0], "18446744073709551616"),
        (&[0x80, 0, 0, 0, 0, 0, 0, 0], "-9223372036854775808"),
        (
            &[0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            "-9223372036854775809",
        ),
        (&[0x3b, 0x9a, 0xca, 0x00], "1000000000"),
    ];
    for (b, want) in cases {
        assert_eq!(lit(CqlValue::Varint(varint(b))), want, "{b:?}");
    }
    // 2^256 - 1 has 78 digits.
    let mut big = vec![0u8];
    big.extend([0xff; 32]);
    assert_eq!(
        lit(CqlValue::Varint(varint(&big))),
        "115792089237316195423570985008687907853269984665640564039457584007913129639935"
    );
    // No bytes: an empty value.
    assert_eq!(lit(CqlValue::Varint(varint(&[]))), "NULL");
    let empty = CqlValue::Varint(varint(&[]));
    assert_eq!(
        CqlLiteral::new(&empty)
            .typed(&ColumnType::Varint)
            .to_string(),
        "blobAsVarint(0x)"
    );
}

#[test]
fn decimals_exact_as_bigdecimal_to_string() {
    let d = |unscaled: i64, scale: i32| lit(CqlValue::Decimal(CqlDecimal::new(unscaled, scale)));
    assert_eq!(d(0, 0), "0");
    assert_eq!(d(0, 2), "0.00");
    assert_eq!(d(0, -2), "0E+2");
    assert_eq!(d(150, 2), "1.50");
    assert_eq!(d(-150, 2), "-1.50");
    assert_eq!(d(5, 1), "0.5");
    assert_eq!(d(5, 6), "0.000005");
    assert_eq!(d(5, 7), "5E-7");
    assert_eq!(d(-1, 7), "-1E-7");
    assert_eq!(d(123, 9), "1.23E-7");
    assert_eq!(d(123, 8), "0.00000123");
    assert_eq!(d(123, -5), "1.23E+7");
    assert_eq!(d(1, -1), "1E+1");
    assert_eq!(d(i64::MIN, 0), "-9223372036854775808");
    assert_eq!(d(i64::MIN, 19), "-0.9223372036854775808");
    assert_eq!(d(7, i32::MAX), "7E-2147483647");
    // Past a double's range Cassandra refuses the text: the bytes instead.
    assert_eq!(d(17_976_931_348_623_158, -292), "1.7976931348623158E+308");
    assert_eq!(d(-1, -308), "-1E+308");
    assert_eq!(
        d(179_769_313_486_231_581, -291),
        "blobAsDecimal(0xfffffedd027eab3cf7dcd81d)"
    );
    assert_eq!(d(-1, -309), "blobAsDecimal(0xfffffecbff)");
    assert_eq!(d(7, i32::MIN), "blobAsDecimal(0x8000000007)");
}

#[test]
fn inet_as_python_ipaddress() {
    let cases = [
        ("0.0.0.0", "'0.0.0.0'"),
        ("255.255.255.255", "'255.255.255.255'"),
        ("::", "'::'"),
        ("::1", "'::1'"),
        ("1::", "'1::'"),
        ("2001:db8::1", "'2001:db8::1'"),
        ("1:0:0:2:0:0:0:3", "'1:0:0:2::3'"),
        ("1:0:0:2:0:0:3:4", "'1::2:0:0:3:4'"),
        ("1:0:2:3:4:5:6:7", "'1:0:2:3:4:5:6:7'"),
        ("::ffff:1.2.3.4", "'::ffff:102:304'"),
        ("::1.2.3.4", "'::102:304'"),
        ("fe80::abcd:ef01", "'fe80::abcd:ef01'"),
        (
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'",
        ),
    ];
    for (ip, want) in cases {
        assert_eq!(lit(CqlValue::Inet(ip.parse().unwrap())), want, "{ip}");
    }
}

fn udt_type() -> ColumnType {
    ColumnType::Udt(Arc::new(UserDefinedType {
        keyspace: "ks".into(),
        name: "addr".into(),
        fields: vec![
            ("street".into(), ColumnType::Text),
            ("Zip Code".into(), ColumnType::Int),
            ("from".into(), ColumnType::Timestamp),
        ],
    }))
}

#[test]
fn collections_tuples_and_udts() {
    let t = |s: &str| CqlValue::Text(s.into());
    assert_eq!(lit(CqlValue::List(vec![])), "[]");
    assert_eq!(lit(CqlValue::Set(vec![])), "{}");
    assert_eq!(lit(CqlValue::Map(vec![])), "{}");
    assert_eq!(lit(CqlValue::List(vec![t("a'"), t("")])), "['a''', '']");
    assert_eq!(
        lit(CqlValue::Set(vec![CqlValue::Int(3), CqlValue::Int(-1)])),
        "{3, -1}"
    );
    assert_eq!(
        lit(CqlValue::Map(vec![
            (CqlValue::Int(1), CqlValue::Set(vec![t("x")])),
            (CqlValue::Int(2), CqlValue::Set(vec![])),
        ])),
        "{1: {'x'}, 2: {}}"
    );
    assert_eq!(
        lit(CqlValue::Vector(vec![
            CqlValue::Float(1.0),
            CqlValue::Float(f32::NAN)
        ])),
        "[1.0, NaN]"
    );
    assert_eq!(
        lit(CqlValue::Tuple(vec![
            Some(CqlValue::Int(1)),
            None,
            Some(t("z"))
        ])),
        "(1, NULL, 'z')"
    );
    assert_eq!(lit(CqlValue::Tuple(vec![Some(CqlValue::Int(1))])), "(1)");
    let udt = CqlValue::Udt {
        keyspace: "ks".into(),
        name: "addr".into(),
        fields: vec![
            ("street".into(), Some(t("Main"))),
            ("Zip Code".into(), Some(CqlValue::Int(12345))),
            ("from".into(), None),
        ],
    };
    assert_eq!(
        lit(udt.clone()),
        "{street: 'Main', \"Zip Code\": 12345, \"from\": NULL}"
    );
    assert_eq!(
        lit(CqlValue::List(vec![udt.clone()])),
        "[{street: 'Main', \"Zip Code\": 12345, \"from\": NULL}]"
    );
    // The type only matters for empty values.
    assert_eq!(
        CqlLiteral::new(&udt).typed(&udt_type()).to_string(),
        lit(udt.clone())
    );
    let with_empty = CqlValue::Udt {
        keyspace: "ks".into(),
        name: "addr".into(),
        fields: vec![("from".into(), Some(CqlValue::Empty))],
    };
    assert_eq!(
        CqlLiteral::new(&with_empty).typed(&udt_type()).to_string(),
        "{\"from\": blobAsTimestamp(0x)}"
    );
}

#[test]
fn typed_empty_values_inside_collections() {
    let lt = ColumnType::List(Box::new(ColumnType::Int));
    let v = CqlValue::List(vec![CqlValue::Int(1), CqlValue::Empty]);
    assert_eq!(
        CqlLiteral::new(&v).typed(&lt).to_string(),
        "[1, blobAsInt(0x)]"
    );
    let mt = ColumnType::Map(Box::new(ColumnType::Uuid), Box::new(ColumnType::Boolean));
    let v = CqlValue::Map(vec![(CqlValue::Empty, CqlValue::Empty)]);
    assert_eq!(
        CqlLiteral::new(&v).typed(&mt).to_string(),
        "{blobAsUuid(0x): blobAsBoolean(0x)}"
    );
    let vt = ColumnType::Vector {
        element: Box::new(ColumnType::Float),
        dimensions: 1,
    };
    let v = CqlValue::Vector(vec![CqlValue::Empty]);
    assert_eq!(
        CqlLiteral::new(&v).typed(&vt).to_string(),
        "[blobAsFloat(0x)]"
    );
    // Types with no blobAs function: null.
    assert_eq!(
        CqlLiteral::new(&CqlValue::Empty).typed(&lt).to_string(),
        "NULL"
    );
    assert_eq!(
        CqlLiteral::new(&CqlValue::Empty)
            .typed(&ColumnType::Custom("x.Y".into()))
            .to_string(),
        "0x"
    );
    // A wrong type is ignored.
    assert_eq!(
        CqlLiteral::new(&CqlValue::Int(4)).typed(&lt).to_string(),
        "4"
    );
}

#[test]
fn sequences() {
    assert_eq!(encode_sequence([]), "()");
    let a = CqlValue::Text("a".into());
    assert_eq!(encode_sequence([Some(&a), None]), "('a', NULL)");
}
