use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn murmur3_matches_the_server_for_known_keys() {
    // Values of Cassandra's Murmur3Partitioner (the reference driver's murmur3 agrees; the
    // integration test cluster_murmur3 cross-checks many more keys against it).
    let cases: &[(&str, i64)] = &[
        ("", 0),
        ("61", -8839064797231613815),
        ("313233", -7468325962851647638),
        // int 1: the best known token of all.
        ("00000001", -4069959284402364209),
        ("68656c6c6f20776f726c64", 5998619086395760910),
        // Exactly one block, then one block and one byte.
        ("30313233343536373839616263646566", 5467490433528156583),
        ("3031323334353637383961626364656667", -8200385122730116642),
        ("000102030405060708090a0b0c0d0e", 5125964547706398185),
        // Tail bytes >= 0x80 are sign-extended by the server.
        ("ffffffffffffffffff", 8434364767658694854),
        ("8090a0b0c0d0e0f08191a1b1c1d1e1", 4560559083097781996),
    ];
    for (key, want) in cases {
        assert_eq!(murmur3_x64_128_h1(&hex(key)), *want, "key {key}");
        assert_eq!(Token::of_key(&hex(key)), Token(*want), "key {key}");
    }
}

#[test]
fn composite_routing_key_uses_length_prefixed_components() {
    // Values (int 1, text "abc") bound in that order; the key is (b, a) = indexes [1, 0].
    let mut values = Vec::new();
    values.extend_from_slice(&4i32.to_be_bytes());
    values.extend_from_slice(&1i32.to_be_bytes());
    values.extend_from_slice(&3i32.to_be_bytes());
    values.extend_from_slice(b"abc");
    let key = routing_key(&values, 2, &[0, 1]).expect("key");
    assert_eq!(key, hex("00040000000100000361626300"));
    assert_eq!(Token::of_key(&key), Token(8771735466527499816));
    let reversed = routing_key(&values, 2, &[1, 0]).expect("key");
    assert_eq!(reversed, hex("00036162630000040000000100"));
    // A single-column key is the value itself.
    assert_eq!(routing_key(&values, 2, &[1]).expect("key"), b"abc");
}

#[test]
fn routing_key_rejects_null_missing_and_malformed_values() {
    let mut values = Vec::new();
    values.extend_from_slice(&(-1i32).to_be_bytes());
    values.extend_from_slice(&(-2i32).to_be_bytes());
    assert_eq!(
        routing_key(&values, 2, &[0]),
        Err(RoutingKeyError::NullComponent(0))
    );
    assert_eq!(
        routing_key(&values, 2, &[1]),
        Err(RoutingKeyError::NullComponent(1))
    );
    assert_eq!(
        routing_key(&values, 2, &[2]),
        Err(RoutingKeyError::OutOfRange(2))
    );
    // A length prefix past the end, a truncated prefix, a huge count: errors, no panic and no
    // allocation by the claimed sizes.
    let bad = [0u8, 0, 0, 9, 1, 2];
    assert_eq!(routing_key(&bad, 1, &[0]), Err(RoutingKeyError::Malformed));
    assert_eq!(
        routing_key(&[0, 0], 1, &[0]),
        Err(RoutingKeyError::Malformed)
    );
    assert_eq!(
        routing_key(&[], usize::MAX, &[0]),
        Err(RoutingKeyError::Malformed)
    );
}

#[test]
fn token_of_values_matches_the_token_of_the_routing_key() {
    let mut values = Vec::new();
    values.extend_from_slice(&4i32.to_be_bytes());
    values.extend_from_slice(&1i32.to_be_bytes());
    values.extend_from_slice(&(-1i32).to_be_bytes());
    values.extend_from_slice(&3i32.to_be_bytes());
    values.extend_from_slice(b"abc");
    for pk in [&[0u16][..], &[2], &[0, 2], &[2, 0]] {
        let key = routing_key(&values, 3, pk).expect("key");
        assert_eq!(token_of_values(&values, 3, pk), Ok(Token::of_key(&key)));
    }
    assert_eq!(
        token_of_values(&values, 3, &[1]),
        Err(RoutingKeyError::NullComponent(1))
    );
    assert_eq!(
        token_of_values(&values, 3, &[3]),
        Err(RoutingKeyError::OutOfRange(3))
    );
    assert_eq!(
        token_of_values(&values[..10], 3, &[2]),
        Err(RoutingKeyError::Malformed)
    );
    assert_eq!(
        token_of_values(&[], usize::MAX, &[0]),
        Err(RoutingKeyError::Malformed)
    );
}
