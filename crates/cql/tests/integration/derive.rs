//! Structs mapped to rows by column name with the derive macros, against a real server.

use cql::{DeserializeRow, DeserializeValue, SerializeRow, SerializeValue};

use crate::common::{VERSIONS, keyspace, session};

#[derive(Debug, SerializeRow)]
struct NewUser<'a> {
    id: i32,
    #[cql(rename = "email_address")]
    email: &'a str,
    name: String,
    logins: Option<i64>,
}

#[derive(Debug, PartialEq, DeserializeRow)]
struct UserRow<'a> {
    name: &'a str,
    id: i32,
    #[cql(rename = "email_address")]
    email: String,
    logins: Option<i64>,
}

#[derive(Debug, DeserializeRow)]
struct WrongType {
    #[allow(dead_code)]
    id: String,
}

#[derive(Debug, DeserializeRow)]
struct MissingColumn {
    #[allow(dead_code)]
    nickname: String,
}

#[tokio::test]
async fn structs_bind_and_read_by_column_name() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "derive").await;
        s.execute(
            format!("CREATE TABLE {ks}.users (id int PRIMARY KEY, name text, email_address text, logins bigint)").as_str(),
            (),
        )
        .await
        .expect("table");
        // Bind markers in a different order from the struct's fields.
        let ins = s
            .prepare(format!(
                "INSERT INTO {ks}.users (name, logins, id, email_address) VALUES (?, ?, ?, ?)"
            ))
            .await
            .expect("prepare");
        for (id, name) in [(1, "ada"), (2, "grace")] {
            let email = format!("{name}@example.org");
            let user = NewUser {
                id,
                email: &email,
                name: name.to_owned(),
                logins: (id == 1).then_some(7),
            };
            s.execute(&ins, user).await.expect("insert");
        }
        // Named values of a simple statement.
        s.execute(
            format!("INSERT INTO {ks}.users (id, email_address, name, logins) VALUES (:id, :email_address, :name, :logins)").as_str(),
            NewUser { id: 3, email: "edsger@example.org", name: "edsger".into(), logins: None },
        )
        .await
        .expect("named insert");

        let rs = s
            .execute(
                format!("SELECT logins, email_address, id, name FROM {ks}.users").as_str(),
                (),
            )
            .await
            .expect("select");
        let mut rows: Vec<UserRow<'_>> = rs
            .rows_typed()
            .expect("type check")
            .collect::<Result<_, _>>()
            .expect("rows");
        rows.sort_by_key(|r| r.id);
        assert_eq!(
            rows,
            vec![
                UserRow {
                    name: "ada",
                    id: 1,
                    email: "ada@example.org".into(),
                    logins: Some(7)
                },
                UserRow {
                    name: "grace",
                    id: 2,
                    email: "grace@example.org".into(),
                    logins: None
                },
                UserRow {
                    name: "edsger",
                    id: 3,
                    email: "edsger@example.org".into(),
                    logins: None
                },
            ],
            "{v:?}"
        );

        let err = rs
            .rows_typed::<WrongType>()
            .map(|_| ())
            .expect_err("int is not String");
        assert!(err.to_string().contains("id"), "{err}");
        let err = rs
            .rows_typed::<MissingColumn>()
            .map(|_| ())
            .expect_err("no such column");
        assert!(err.to_string().contains("nickname"), "{err}");
    }
}

/// The UDT `address (street text, zip int, city text)`, fields declared in another order.
#[derive(Debug, Clone, PartialEq, SerializeValue, DeserializeValue)]
struct Address {
    city: Option<String>,
    street: String,
    #[cql(rename = "zip")]
    postcode: i32,
}

/// The same UDT read without copying the text.
#[derive(Debug, PartialEq, DeserializeValue)]
struct AddressRef<'a> {
    street: &'a str,
    zip: i32,
}

/// A UDT struct with a field the type lacks: a type-check error naming the field.
#[derive(Debug, SerializeValue, DeserializeValue)]
struct AddressWithCountry {
    street: String,
    country: String,
}

#[derive(Debug, SerializeRow)]
struct NewPerson {
    id: i32,
    home: Address,
    work: Option<Address>,
}

#[derive(Debug, PartialEq, DeserializeRow)]
struct PersonRow<'a> {
    work: Option<AddressRef<'a>>,
    id: i32,
    home: Address,
    /// Not selected: filled with `Default` because of `default`.
    #[cql(default)]
    nickname: Option<String>,
    /// Never read.
    #[cql(skip)]
    seen: u32,
}

#[derive(Debug, DeserializeRow)]
struct WrongUdt {
    #[allow(dead_code)]
    home: AddressWithCountry,
}

#[derive(Debug, DeserializeRow)]
struct UdtAsText {
    #[allow(dead_code)]
    home: String,
}

#[derive(Debug, SerializeRow)]
struct MissingMarker {
    id: i32,
}

#[tokio::test]
async fn udt_columns_map_to_structs_by_field_name() {
    for v in VERSIONS {
        let s = session(v).await;
        let ks = keyspace(&s, "derive_udt").await;
        for ddl in [
            format!("CREATE TYPE {ks}.address (street text, zip int, city text)"),
            format!(
                "CREATE TABLE {ks}.people (id int PRIMARY KEY, home frozen<address>, \
                 work frozen<address>, nickname text)"
            ),
        ] {
            s.execute(ddl.as_str(), ()).await.expect("ddl");
        }
        let ins = s
            .prepare(format!(
                "INSERT INTO {ks}.people (work, id, home) VALUES (?, ?, ?)"
            ))
            .await
            .expect("prepare");
        let home = Address {
            city: Some("Paris".into()),
            street: "1 rue de Rivoli".into(),
            postcode: 75001,
        };
        let work = Address {
            city: None,
            street: "2 Main St".into(),
            postcode: 12345,
        };
        s.execute(
            &ins,
            NewPerson {
                id: 1,
                home: home.clone(),
                work: Some(work.clone()),
            },
        )
        .await
        .expect("insert 1");
        s.execute(
            &ins,
            NewPerson {
                id: 2,
                home: work.clone(),
                work: None,
            },
        )
        .await
        .expect("insert 2");

        // What the server stored, read dynamically: the fields landed by name, not position.
        let rs = s
            .execute(
                format!("SELECT home FROM {ks}.people WHERE id = 1").as_str(),
                (),
            )
            .await
            .expect("select dynamic");
        let (dynamic,): (cql::CqlValue,) = rs.first_row_typed().expect("row");
        let cql::CqlValue::Udt { fields, .. } = dynamic else {
            panic!("not a UDT: {dynamic:?}");
        };
        let text = |s: &str| Some(cql::CqlValue::Text(s.into()));
        assert_eq!(
            fields,
            vec![
                ("street".to_owned(), text("1 rue de Rivoli")),
                ("zip".to_owned(), Some(cql::CqlValue::Int(75001))),
                ("city".to_owned(), text("Paris")),
            ],
            "{v:?}"
        );

        let rs = s
            .execute(
                format!("SELECT home, id, work FROM {ks}.people").as_str(),
                (),
            )
            .await
            .expect("select");
        let mut rows: Vec<PersonRow<'_>> = rs
            .rows_typed()
            .expect("type check")
            .collect::<Result<_, _>>()
            .expect("rows");
        rows.sort_by_key(|r| r.id);
        let expected = vec![
            PersonRow {
                work: Some(AddressRef {
                    street: "2 Main St",
                    zip: 12345,
                }),
                id: 1,
                home: home.clone(),
                nickname: None,
                seen: 0,
            },
            PersonRow {
                work: None,
                id: 2,
                home: work.clone(),
                nickname: None,
                seen: 0,
            },
        ];
        assert_eq!(rows, expected, "{v:?}");

        let err = rs
            .rows_typed::<WrongUdt>()
            .map(|_| ())
            .expect_err("no field country");
        let msg = err.to_string();
        assert!(msg.contains("home") && msg.contains("country"), "{msg}");
        let err = rs
            .rows_typed::<UdtAsText>()
            .map(|_| ())
            .expect_err("udt is not text");
        assert!(err.to_string().contains("home"), "{err}");

        // Writing a struct whose field the type lacks fails before anything is sent.
        #[derive(Debug, SerializeRow)]
        struct BadHome {
            id: i32,
            home: AddressWithCountry,
            work: Option<Address>,
        }
        let bad = BadHome {
            id: 3,
            home: AddressWithCountry {
                street: "x".into(),
                country: "FR".into(),
            },
            work: None,
        };
        let err = s
            .execute(&ins, bad)
            .await
            .expect_err("type has no field country");
        let msg = err.to_string();
        assert!(msg.contains("home") && msg.contains("country"), "{msg}");
        // A bind marker without a field names the marker.
        let err = s
            .execute(&ins, MissingMarker { id: 4 })
            .await
            .expect_err("no home field");
        assert!(err.to_string().contains("work"), "{err}");

        // The type grows a field: old values end early and still read; the new field is
        // ignored by the struct and written as null.
        s.execute(
            format!("ALTER TYPE {ks}.address ADD country text").as_str(),
            (),
        )
        .await
        .expect("alter type");
        let ins = s
            .prepare(format!(
                "INSERT INTO {ks}.people (id, home, work) VALUES (?, ?, ?)"
            ))
            .await
            .expect("prepare after alter");
        s.execute(
            &ins,
            NewPerson {
                id: 5,
                home: home.clone(),
                work: None,
            },
        )
        .await
        .expect("insert after alter");
        let rs = s
            .execute(
                format!("SELECT id, home, work FROM {ks}.people").as_str(),
                (),
            )
            .await
            .expect("select after alter");
        let mut rows: Vec<PersonRow<'_>> = rs
            .rows_typed()
            .expect("type check after alter")
            .collect::<Result<_, _>>()
            .expect("rows after alter");
        rows.sort_by_key(|r| r.id);
        assert_eq!(rows.len(), 3, "{v:?}");
        assert_eq!(rows[0], expected[0], "{v:?}");
        assert_eq!((rows[2].id, &rows[2].home), (5, &home), "{v:?}");
    }
}

/// Offline checks of the generated code on hand-made values (no server).
mod offline {
    use std::sync::Arc;

    use bytes::{BufMut, Bytes, BytesMut};
    use cql::protocol::deserialize::{
        DeserializeError, DeserializeValue, RawValue, RowIterator, TypedRowIterator,
    };
    use cql::protocol::metadata::ColumnSpec;
    use cql::protocol::serialize::{RowWriter, SerializeError, SerializeRow, SerializeValue};
    use cql::protocol::types::UserDefinedType;
    use cql::{ColumnType, DeserializeRow, SerializeRow};

    use super::{Address, AddressRef};

    fn address_type(extra: &[&str]) -> ColumnType {
        let mut fields = vec![
            ("street".to_owned(), ColumnType::Text),
            ("zip".to_owned(), ColumnType::Int),
            ("city".to_owned(), ColumnType::Text),
        ];
        fields.extend(extra.iter().map(|n| ((*n).to_owned(), ColumnType::Text)));
        ColumnType::Udt(Arc::new(UserDefinedType {
            keyspace: "ks".into(),
            name: "address".into(),
            fields,
        }))
    }

    fn field(out: &mut BytesMut, v: Option<&[u8]>) {
        match v {
            Some(b) => {
                out.put_i32(b.len() as i32);
                out.put_slice(b);
            }
            None => out.put_i32(-1),
        }
    }

    fn read<'f, T: DeserializeValue<'f>>(
        typ: &ColumnType,
        frame: &'f Bytes,
    ) -> Result<T, DeserializeError> {
        T::type_check(typ)?;
        T::deserialize(typ, Some(RawValue::new(frame, frame)))
    }

    #[test]
    fn udt_written_in_the_type_order_and_read_back() {
        let typ = address_type(&["country"]);
        let a = Address {
            city: None,
            street: "Main".into(),
            postcode: 7,
        };
        let mut out = BytesMut::new();
        a.serialize(Some(&typ), &mut out).expect("serialize");
        let mut want = BytesMut::new();
        want.put_i32(4 + 4 + 4 + 4 + 4 + 4); // [value] length
        field(&mut want, Some(b"Main"));
        field(&mut want, Some(&7_i32.to_be_bytes()));
        field(&mut want, None); // city
        field(&mut want, None); // country: not in the struct
        assert_eq!(out, want);
        let frame = out.freeze().slice(4..);
        assert_eq!(read::<Address>(&typ, &frame), Ok(a.clone()));
        assert_eq!(
            read::<AddressRef<'_>>(&typ, &frame),
            Ok(AddressRef {
                street: "Main",
                zip: 7
            })
        );
        // Without a type: the fields in declaration order (city, street, zip).
        let mut untyped = BytesMut::new();
        Address {
            city: Some("C".into()),
            street: "S".into(),
            postcode: 1,
        }
        .serialize(None, &mut untyped)
        .expect("untyped");
        let mut want = BytesMut::new();
        want.put_i32(5 + 5 + 8);
        field(&mut want, Some(b"C"));
        field(&mut want, Some(b"S"));
        field(&mut want, Some(&1_i32.to_be_bytes()));
        assert_eq!(untyped, want);
        // Not a UDT column.
        let err = a
            .serialize(Some(&ColumnType::Text), &mut BytesMut::new())
            .expect_err("text");
        assert!(matches!(err, SerializeError::TypeMismatch { .. }), "{err}");
    }

    #[test]
    fn short_null_and_overlong_udt_values() {
        let typ = address_type(&[]);
        // Ends after zip: city is null.
        let mut v = BytesMut::new();
        field(&mut v, Some(b"S"));
        field(&mut v, Some(&9_i32.to_be_bytes()));
        let frame = v.clone().freeze();
        let got = read::<Address>(&typ, &frame).expect("short value");
        assert_eq!(
            got,
            Address {
                city: None,
                street: "S".into(),
                postcode: 9
            }
        );
        // Ends after street: zip is a required int, so null is an error naming it.
        let frame = Bytes::copy_from_slice(&v[..5]);
        let err = read::<Address>(&typ, &frame).expect_err("zip missing");
        assert!(err.to_string().contains("zip"), "{err}");
        // Bytes after the last field.
        let mut long = v.clone();
        field(&mut long, Some(b"C"));
        long.put_u8(0);
        let frame = long.freeze();
        let err = read::<Address>(&typ, &frame).expect_err("trailing byte");
        assert!(matches!(err, DeserializeError::Malformed { .. }), "{err}");
        // A truncated field length prefix.
        let frame = Bytes::copy_from_slice(&[0, 0, 0, 9, b'x']);
        assert!(read::<Address>(&typ, &frame).is_err());
        // Null: an error for the struct, None for Option.
        assert_eq!(
            Address::deserialize(&typ, None),
            Err(DeserializeError::UnexpectedNull)
        );
        assert_eq!(<Option<Address>>::deserialize(&typ, None), Ok(None));
        assert!(Address::type_check(&ColumnType::Int).is_err());
    }

    #[derive(Debug, PartialEq, DeserializeRow)]
    struct Pair<'a> {
        b: &'a str,
        a: i32,
        #[cql(default)]
        c: i32,
    }

    fn spec(name: &str, typ: ColumnType) -> ColumnSpec {
        ColumnSpec::new("ks", "t", name, typ)
    }

    #[test]
    fn rows_by_name_with_extra_columns_and_defaults() {
        let specs = [
            spec("x", ColumnType::Int),
            spec("a", ColumnType::Int),
            spec("b", ColumnType::Text),
        ];
        let mut raw = BytesMut::new();
        for (a, b) in [(1_i32, "one"), (2, "two")] {
            field(&mut raw, None);
            field(&mut raw, Some(&a.to_be_bytes()));
            field(&mut raw, Some(b.as_bytes()));
        }
        let raw = raw.freeze();
        let rows: Vec<Pair<'_>> = TypedRowIterator::new(RowIterator::new(&raw, 2, &specs))
            .expect("type check")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(
            rows,
            [
                Pair {
                    b: "one",
                    a: 1,
                    c: 0
                },
                Pair {
                    b: "two",
                    a: 2,
                    c: 0
                }
            ]
        );
        // `c` present but of the wrong type: the error names it.
        let bad = [
            spec("a", ColumnType::Int),
            spec("b", ColumnType::Text),
            spec("c", ColumnType::Text),
        ];
        let err = <Pair<'_> as cql::protocol::deserialize::DeserializeRow<'_>>::type_check(&bad)
            .expect_err("c is text");
        assert!(err.to_string().contains("column c"), "{err}");
    }

    #[derive(SerializeRow)]
    struct Key {
        id: i32,
        #[cql(rename = "n")]
        name: &'static str,
    }

    #[test]
    fn rows_bound_by_marker_name_including_repeats() {
        let key = Key { id: 5, name: "z" };
        let specs = [
            spec("n", ColumnType::Text),
            spec("id", ColumnType::Int),
            spec("n", ColumnType::Text),
        ];
        let mut out = BytesMut::new();
        let mut w = RowWriter::new(&mut out);
        key.serialize_row(Some(&specs), &mut w).expect("bind");
        assert_eq!(w.finish().expect("finish"), (3, false));
        let mut want = BytesMut::new();
        want.put_u16(3);
        field(&mut want, Some(b"z"));
        field(&mut want, Some(&5_i32.to_be_bytes()));
        field(&mut want, Some(b"z"));
        assert_eq!(out, want);
        // Unprepared: named values, in field order.
        let mut out = BytesMut::new();
        let mut w = RowWriter::new(&mut out);
        key.serialize_row(None, &mut w).expect("named");
        assert_eq!(w.finish().expect("finish"), (2, true));
        let mut want = BytesMut::new();
        want.put_u16(2);
        want.put_u16(2);
        want.put_slice(b"id");
        field(&mut want, Some(&5_i32.to_be_bytes()));
        want.put_u16(1);
        want.put_slice(b"n");
        field(&mut want, Some(b"z"));
        assert_eq!(out, want);
        // A field without a marker, and a mistyped marker.
        let mut out = BytesMut::new();
        let err = key
            .serialize_row(Some(&specs[1..2]), &mut RowWriter::new(&mut out))
            .expect_err("n unused");
        assert_eq!(err, SerializeError::UnknownNamedValue("n".into()));
        let mut out = BytesMut::new();
        let err = key
            .serialize_row(
                Some(&[spec("id", ColumnType::Text), spec("n", ColumnType::Text)]),
                &mut RowWriter::new(&mut out),
            )
            .expect_err("id is not text");
        assert!(err.to_string().contains("column id"), "{err}");
        assert!(!key.is_empty());
    }

    /// Type parameters and raw identifiers: bounded per field, `r#type` maps to `type`.
    #[derive(Debug, PartialEq, DeserializeRow, SerializeRow)]
    struct Generic<T> {
        r#type: T,
        #[cql(skip)]
        note: Option<T>,
    }

    #[test]
    fn generic_struct_and_raw_identifier() {
        let specs = [spec("type", ColumnType::BigInt)];
        let mut raw = BytesMut::new();
        field(&mut raw, Some(&42_i64.to_be_bytes()));
        let raw = raw.freeze();
        let rows: Vec<Generic<i64>> = TypedRowIterator::new(RowIterator::new(&raw, 1, &specs))
            .expect("type check")
            .collect::<Result<_, _>>()
            .expect("rows");
        assert_eq!(
            rows,
            [Generic {
                r#type: 42,
                note: None
            }]
        );
        let mut out = BytesMut::new();
        let mut w = RowWriter::new(&mut out);
        Generic {
            r#type: 42_i64,
            note: Some(1),
        }
        .serialize_row(Some(&specs), &mut w)
        .expect("bind");
        assert_eq!(w.finish().expect("finish"), (1, false));
        assert_eq!(
            &out[..],
            &[&[0, 1, 0, 0, 0, 8][..], &42_i64.to_be_bytes()].concat()[..]
        );
    }
}
