use super::*;

fn round_trip(t: &ColumnType) -> ColumnType {
    let mut b = BytesMut::new();
    t.encode(&mut b).unwrap();
    let mut r = Reader::new(&b);
    let back = ColumnType::decode(&mut r).unwrap();
    assert!(r.is_empty());
    back
}

#[test]
fn vector_from_cassandra_custom_class() {
    let name =
        "org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.FloatType, 3)";
    let t = parse_class_name(name).unwrap();
    assert_eq!(
        t,
        ColumnType::Vector {
            element: Box::new(ColumnType::Float),
            dimensions: 3
        }
    );
    assert_eq!(t.fixed_len(), Some(12));
    assert_eq!(t.to_string(), "vector<float, 3>");
    assert_eq!(t.class_name(), name);
    // As sent in metadata: custom id 0 and the class name.
    let mut b = BytesMut::new();
    b.put_u16(0);
    put_string(&mut b, name).unwrap();
    assert_eq!(ColumnType::decode(&mut Reader::new(&b)).unwrap(), t);
    assert_eq!(round_trip(&t), t);
}

#[test]
fn nested_class_names() {
    let t = parse_class_name(
        "org.apache.cassandra.db.marshal.MapType(org.apache.cassandra.db.marshal.UTF8Type,org.apache.cassandra.db.marshal.FrozenType(org.apache.cassandra.db.marshal.ListType(org.apache.cassandra.db.marshal.Int32Type)))",
    )
    .unwrap();
    assert_eq!(t.to_string(), "map<text, list<int>>");
    let v = parse_class_name(
        "org.apache.cassandra.db.marshal.VectorType(org.apache.cassandra.db.marshal.UTF8Type,2)",
    )
    .unwrap();
    assert_eq!(v.fixed_len(), None);
    assert_eq!(
        parse_class_name("org.apache.cassandra.db.marshal.DurationType"),
        Some(ColumnType::Duration)
    );
    let u = parse_class_name("org.apache.cassandra.db.marshal.UserType(ks,61646472,737472656574:org.apache.cassandra.db.marshal.UTF8Type)").unwrap();
    match &u {
        ColumnType::Udt(u) => {
            assert_eq!(u.name, "addr");
            assert_eq!(u.fields[0].0, "street");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(parse_class_name(&u.class_name()), Some(u));
    assert_eq!(parse_class_name("com.example.MyType"), None);
    assert_eq!(
        parse_class_name("org.apache.cassandra.db.marshal.VectorType(x"),
        None
    );
}

#[test]
fn option_golden_bytes() {
    // list<map<int, text>>: 0020 0021 0009 000d
    let t = ColumnType::List(Box::new(ColumnType::Map(
        Box::new(ColumnType::Int),
        Box::new(ColumnType::Text),
    )));
    let mut b = BytesMut::new();
    t.encode(&mut b).unwrap();
    assert_eq!(&b[..], &[0, 0x20, 0, 0x21, 0, 0x09, 0, 0x0d]);
}

#[test]
fn depth_limit_and_unknown_ids() {
    let mut b = BytesMut::new();
    for _ in 0..100 {
        b.put_u16(0x20);
    }
    b.put_u16(0x09);
    assert!(matches!(
        ColumnType::decode(&mut Reader::new(&b)),
        Err(ProtocolError::TypeNestingTooDeep(_))
    ));
    assert!(matches!(
        ColumnType::decode(&mut Reader::new(&[0, 0x40])),
        Err(ProtocolError::UnknownTypeId(0x40))
    ));
    let deep = "org.apache.cassandra.db.marshal.ListType(".repeat(100);
    assert_eq!(parse_class_name(&deep), None);
}
