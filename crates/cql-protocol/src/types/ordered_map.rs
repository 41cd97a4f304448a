//! [`OrderedMap`]: a map that keeps its entries in order (the wire order when read), like the
//! Python driver's `OrderedMap` / `OrderedMapSerializedKey`.

use std::borrow::Borrow;
use std::collections::HashMap;

use bytes::{BufMut, BytesMut};

use super::ColumnType;
use crate::deserialize::impls::{for_each_element, non_null};
use crate::deserialize::{DeserializeError, DeserializeValue, RawValue};
use crate::serialize::{SerializeError, SerializeValue, write_with_len};

/// A map that keeps its entries in order and looks them up by key; read and written as a CQL
/// `map<K, V>`.
///
/// Unlike `HashMap` and `BTreeMap` it needs neither `Hash` nor `Ord` of its keys, so any
/// value can be a key (`f64`, [`CqlValue`](super::CqlValue), collections), and it keeps the
/// order of the map it was read from: for a map read from Cassandra, the server's key order
/// (which is not always Rust's, e.g. for `timeuuid` or `varint` keys). Written to a
/// statement, the entries go in this order.
///
/// Lookups compare keys with `PartialEq`, one entry after another: the map is made for the
/// sizes of CQL maps (a value of at most a few thousand entries); collect it into a
/// `HashMap` for many lookups in a big one. As with `PartialEq`, a key that is not equal to
/// itself (`f64::NAN`) is never found by [`get`](Self::get).
///
/// **Duplicate keys.** [`insert`](Self::insert) replaces the value of an equal key, keeping
/// the entry's position and its first key (as `HashMap::insert` and Python's
/// `OrderedMap.__setitem__` do). When a map is read from the wire, keys are the same when
/// their serialized bytes are (as in Python's `OrderedMapSerializedKey`): a later entry with
/// the same key bytes replaces the earlier entry's value in place, so the map holds each
/// key once, at its first position, with its last value (the value Python's lookups return).
/// Keys with different bytes stay apart even when `PartialEq` calls them equal, so a
/// `map<double, int>` that holds both `0.0` and `-0.0` (distinct keys to Cassandra) reads
/// back with both entries. Cassandra never sends a map with repeated keys.
///
/// ```
/// use cql_protocol::types::{ColumnType, OrderedMap};
/// use cql_protocol::serialize::SerializeValue;
/// use cql_protocol::deserialize::{DeserializeValue, RawValue};
///
/// let mut m = OrderedMap::new();
/// m.insert("b", 2);
/// m.insert("a", 1);
/// m.insert("b", 3); // replaces the value, keeps the position
/// assert_eq!(m.get("b"), Some(&3));
/// assert_eq!(m.keys().copied().collect::<Vec<_>>(), ["b", "a"]);
///
/// // Written and read as a CQL map<text, int>, in order.
/// let typ = ColumnType::Map(Box::new(ColumnType::Text), Box::new(ColumnType::Int));
/// let mut buf = bytes::BytesMut::new();
/// m.serialize(Some(&typ), &mut buf).unwrap();
/// let frame = buf.freeze();
/// let raw = RawValue::new(&frame, &frame[4..]);
/// let back = OrderedMap::<String, i32>::deserialize(&typ, Some(raw)).unwrap();
/// assert_eq!(back.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(), [("b", 3), ("a", 1)]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderedMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for OrderedMap<K, V> {
    fn default() -> Self {
        OrderedMap {
            entries: Vec::new(),
        }
    }
}

impl<K, V> OrderedMap<K, V> {
    /// An empty map.
    ///
    /// ```
    /// let m = cql_protocol::types::OrderedMap::<i32, i32>::new();
    /// assert!(m.is_empty());
    /// ```
    pub const fn new() -> Self {
        OrderedMap {
            entries: Vec::new(),
        }
    }

    /// An empty map with room for `capacity` entries.
    ///
    /// ```
    /// let m = cql_protocol::types::OrderedMap::<i32, i32>::with_capacity(8);
    /// assert_eq!(m.len(), 0);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        OrderedMap {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// The number of entries.
    ///
    /// ```
    /// let m: cql_protocol::types::OrderedMap<_, _> = [(1, 'a'), (2, 'b')].into_iter().collect();
    /// assert_eq!(m.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entries.
    ///
    /// ```
    /// assert!(cql_protocol::types::OrderedMap::<u8, u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in order.
    ///
    /// ```
    /// let m: cql_protocol::types::OrderedMap<_, _> = [(2, 'b'), (1, 'a')].into_iter().collect();
    /// assert_eq!(m.iter().collect::<Vec<_>>(), [(&2, &'b'), (&1, &'a')]);
    /// ```
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The entries in order, with mutable values.
    ///
    /// ```
    /// let mut m: cql_protocol::types::OrderedMap<_, _> = [(1, 10)].into_iter().collect();
    /// m.iter_mut().for_each(|(_, v)| *v += 1);
    /// assert_eq!(m.get(&1), Some(&11));
    /// ```
    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (&K, &mut V)> + ExactSizeIterator {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The keys in order.
    ///
    /// ```
    /// let m: cql_protocol::types::OrderedMap<_, _> = [(2, 'b'), (1, 'a')].into_iter().collect();
    /// assert_eq!(m.keys().collect::<Vec<_>>(), [&2, &1]);
    /// ```
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in order.
    ///
    /// ```
    /// let m: cql_protocol::types::OrderedMap<_, _> = [(2, 'b'), (1, 'a')].into_iter().collect();
    /// assert_eq!(m.values().collect::<String>(), "ba");
    /// ```
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The entries as a slice of pairs, in order.
    ///
    /// ```
    /// let m: cql_protocol::types::OrderedMap<_, _> = [(1, 'a')].into_iter().collect();
    /// assert_eq!(m.as_slice(), &[(1, 'a')]);
    /// ```
    pub fn as_slice(&self) -> &[(K, V)] {
        &self.entries
    }

    /// The entries as a `Vec` of pairs, in order.
    ///
    /// ```
    /// let m: cql_protocol::types::OrderedMap<_, _> = [(1, 'a')].into_iter().collect();
    /// assert_eq!(m.into_vec(), vec![(1, 'a')]);
    /// ```
    pub fn into_vec(self) -> Vec<(K, V)> {
        self.entries
    }

    /// The entry at position `index`.
    ///
    /// ```
    /// let m: cql_protocol::types::OrderedMap<_, _> = [(2, 'b'), (1, 'a')].into_iter().collect();
    /// assert_eq!(m.get_index(1), Some((&1, &'a')));
    /// assert_eq!(m.get_index(2), None);
    /// ```
    pub fn get_index(&self, index: usize) -> Option<(&K, &V)> {
        self.entries.get(index).map(|(k, v)| (k, v))
    }

    /// The position of the entry with key `key`.
    ///
    /// ```
    /// let m: cql_protocol::types::OrderedMap<_, _> = [(2, 'b'), (1, 'a')].into_iter().collect();
    /// assert_eq!(m.position(&1), Some(1));
    /// ```
    pub fn position<Q>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        self.entries.iter().position(|(k, _)| k.borrow() == key)
    }

    /// The value of the entry with key `key`.
    ///
    /// ```
    /// let m: cql_protocol::types::OrderedMap<_, _> =
    ///     [("one".to_owned(), 1)].into_iter().collect();
    /// assert_eq!(m.get("one"), Some(&1));
    /// assert_eq!(m.get("two"), None);
    /// ```
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        self.get_key_value(key).map(|(_, v)| v)
    }

    /// The key and value of the entry with key `key`.
    ///
    /// ```
    /// let m: cql_protocol::types::OrderedMap<_, _> = [(1, 'a')].into_iter().collect();
    /// assert_eq!(m.get_key_value(&1), Some((&1, &'a')));
    /// ```
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        self.entries
            .iter()
            .find(|(k, _)| k.borrow() == key)
            .map(|(k, v)| (k, v))
    }

    /// The value of the entry with key `key`, mutably.
    ///
    /// ```
    /// let mut m: cql_protocol::types::OrderedMap<_, _> = [(1, 'a')].into_iter().collect();
    /// *m.get_mut(&1).unwrap() = 'z';
    /// assert_eq!(m.get(&1), Some(&'z'));
    /// ```
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        self.entries
            .iter_mut()
            .find(|(k, _)| k.borrow() == key)
            .map(|(_, v)| v)
    }

    /// Whether an entry has key `key`.
    ///
    /// ```
    /// let m: cql_protocol::types::OrderedMap<_, _> = [(1, 'a')].into_iter().collect();
    /// assert!(m.contains_key(&1));
    /// assert!(!m.contains_key(&2));
    /// ```
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        self.position(key).is_some()
    }

    /// Adds an entry at the end, or replaces the value of the entry with an equal key in
    /// place (keeping its key and position) and returns the old value.
    ///
    /// ```
    /// let mut m = cql_protocol::types::OrderedMap::new();
    /// assert_eq!(m.insert(1, 'a'), None);
    /// assert_eq!(m.insert(2, 'b'), None);
    /// assert_eq!(m.insert(1, 'c'), Some('a'));
    /// assert_eq!(m.into_vec(), vec![(1, 'c'), (2, 'b')]);
    /// ```
    pub fn insert(&mut self, key: K, value: V) -> Option<V>
    where
        K: PartialEq,
    {
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// Removes the entry with key `key`, keeping the order of the others; returns its value.
    ///
    /// ```
    /// let mut m: cql_protocol::types::OrderedMap<_, _> =
    ///     [(1, 'a'), (2, 'b'), (3, 'c')].into_iter().collect();
    /// assert_eq!(m.remove(&2), Some('b'));
    /// assert_eq!(m.into_vec(), vec![(1, 'a'), (3, 'c')]);
    /// ```
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        let i = self.position(key)?;
        Some(self.entries.remove(i).1)
    }

    /// Removes and returns the last entry (Python's `popitem`).
    ///
    /// ```
    /// let mut m: cql_protocol::types::OrderedMap<_, _> = [(1, 'a'), (2, 'b')].into_iter().collect();
    /// assert_eq!(m.pop(), Some((2, 'b')));
    /// ```
    pub fn pop(&mut self) -> Option<(K, V)> {
        self.entries.pop()
    }

    /// Removes every entry.
    ///
    /// ```
    /// let mut m: cql_protocol::types::OrderedMap<_, _> = [(1, 'a')].into_iter().collect();
    /// m.clear();
    /// assert!(m.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

impl<K: PartialEq, V> FromIterator<(K, V)> for OrderedMap<K, V> {
    /// Inserts the pairs in order, with [`insert`](OrderedMap::insert)'s handling of
    /// repeated keys (the first position, the last value).
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = OrderedMap::new();
        m.extend(iter);
        m
    }
}

impl<K: PartialEq, V> Extend<(K, V)> for OrderedMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K, V> IntoIterator for OrderedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a OrderedMap<K, V> {
    type Item = &'a (K, V);
    type IntoIter = std::slice::Iter<'a, (K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl<K, V> From<OrderedMap<K, V>> for Vec<(K, V)> {
    fn from(m: OrderedMap<K, V>) -> Self {
        m.entries
    }
}

/// Writes one map element; unset is refused inside a collection.
fn element<T: SerializeValue>(
    v: &T,
    typ: Option<&ColumnType>,
    out: &mut BytesMut,
) -> Result<(), SerializeError> {
    let p = out.len();
    v.serialize(typ, out)?;
    if out.get(p..p + 4) == Some(&(-2i32).to_be_bytes()[..]) {
        return Err(SerializeError::invalid(
            typ,
            "unset is not allowed inside a collection, tuple or UDT",
        ));
    }
    Ok(())
}

impl<K: SerializeValue, V: SerializeValue> SerializeValue for OrderedMap<K, V> {
    /// A `map<K, V>` with the entries in order.
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        let (kt, vt) = match typ {
            None => (None, None),
            Some(ColumnType::Map(k, v)) => (Some(&**k), Some(&**v)),
            Some(t) => return Err(SerializeError::mismatch::<Self>(t)),
        };
        let n = i32::try_from(self.len())
            .map_err(|_| SerializeError::invalid(typ, format!("{} entries", self.len())))?;
        write_with_len(out, |o| {
            o.put_i32(n);
            for (k, v) in &self.entries {
                element(k, kt, o)?;
                element(v, vt, o)?;
            }
            Ok(())
        })
    }
}

impl<'f, K: DeserializeValue<'f>, V: DeserializeValue<'f>> DeserializeValue<'f>
    for OrderedMap<K, V>
{
    fn type_check(typ: &ColumnType) -> Result<(), DeserializeError> {
        match typ {
            ColumnType::Map(k, v) => {
                K::type_check(k)?;
                V::type_check(v)
            }
            other => Err(DeserializeError::mismatch::<Self>(other)),
        }
    }

    /// The entries in wire order; a key whose bytes repeat an earlier key's replaces that
    /// entry's value (see [`OrderedMap`]).
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        let v = non_null(typ, v)?;
        let ColumnType::Map(kt, vt) = typ else {
            return Err(DeserializeError::mismatch::<Self>(typ));
        };
        let mut entries: Vec<(K, V)> = Vec::new();
        // Position of each key by its serialized bytes (`None`: a null key).
        let mut index: HashMap<Option<&'f [u8]>, usize> = HashMap::new();
        let mut key: Option<(K, Option<&'f [u8]>)> = None;
        for_each_element(typ, v, 2, |x| {
            match key.take() {
                None => key = Some((K::deserialize(kt, x)?, x.map(|r| r.as_slice()))),
                Some((k, raw)) => {
                    let val = V::deserialize(vt, x)?;
                    match index.get(&raw) {
                        Some(&i) => entries[i].1 = val,
                        None => {
                            index.insert(raw, entries.len());
                            entries.push((k, val));
                        }
                    }
                }
            }
            Ok(())
        })?;
        Ok(OrderedMap { entries })
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::types::CqlValue;

    fn map_type(k: ColumnType, v: ColumnType) -> ColumnType {
        ColumnType::Map(Box::new(k), Box::new(v))
    }

    /// The contents of a map `[value]` with these raw entries (each a serialized key, value).
    fn wire(entries: &[(&[u8], &[u8])]) -> Bytes {
        let mut b = BytesMut::new();
        b.put_i32(entries.len() as i32);
        for (k, v) in entries {
            b.put_i32(k.len() as i32);
            b.put_slice(k);
            b.put_i32(v.len() as i32);
            b.put_slice(v);
        }
        b.freeze()
    }

    fn read<'f, K: DeserializeValue<'f>, V: DeserializeValue<'f>>(
        typ: &ColumnType,
        frame: &'f Bytes,
    ) -> Result<OrderedMap<K, V>, DeserializeError> {
        OrderedMap::<K, V>::type_check(typ)?;
        OrderedMap::deserialize(typ, Some(RawValue::new(frame, &frame[..])))
    }

    #[test]
    fn keeps_wire_order_and_round_trips() {
        let typ = map_type(ColumnType::Int, ColumnType::Text);
        let frame = wire(&[
            (&5i32.to_be_bytes(), b"five"),
            (&(-1i32).to_be_bytes(), b"minus one"),
            (&3i32.to_be_bytes(), b""),
        ]);
        let m: OrderedMap<i32, String> = read(&typ, &frame).unwrap();
        assert_eq!(m.keys().copied().collect::<Vec<_>>(), [5, -1, 3]);
        assert_eq!(m.get(&-1).map(String::as_str), Some("minus one"));
        let mut out = BytesMut::new();
        m.serialize(Some(&typ), &mut out).unwrap();
        assert_eq!(&out[4..], &frame[..], "written back byte for byte");
        // Untyped too.
        let mut untyped = BytesMut::new();
        m.serialize(None, &mut untyped).unwrap();
        assert_eq!(untyped, out);
    }

    #[test]
    fn repeated_wire_keys_keep_the_first_position_and_the_last_value() {
        let typ = map_type(ColumnType::Text, ColumnType::Int);
        let frame = wire(&[
            (b"a", &1i32.to_be_bytes()),
            (b"b", &2i32.to_be_bytes()),
            (b"a", &3i32.to_be_bytes()),
        ]);
        let m: OrderedMap<String, i32> = read(&typ, &frame).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m.into_vec(), vec![("a".to_owned(), 3), ("b".to_owned(), 2)]);
    }

    #[test]
    fn keys_differ_by_their_bytes_on_the_wire() {
        // 0.0 and -0.0 are distinct keys to Cassandra and on the wire, equal to PartialEq.
        let typ = map_type(ColumnType::Double, ColumnType::Int);
        let frame = wire(&[
            (&(-0.0f64).to_be_bytes(), &1i32.to_be_bytes()),
            (&0.0f64.to_be_bytes(), &2i32.to_be_bytes()),
            (&f64::NAN.to_be_bytes(), &3i32.to_be_bytes()),
            (&f64::NAN.to_be_bytes(), &4i32.to_be_bytes()),
        ]);
        let m: OrderedMap<f64, i32> = read(&typ, &frame).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m.values().copied().collect::<Vec<_>>(), [1, 2, 4]);
        assert_eq!(m.get(&0.0), Some(&1), "PartialEq finds the first equal key");
        assert_eq!(m.get(&f64::NAN), None);
    }

    #[test]
    fn cql_value_keys() {
        let typ = map_type(
            ColumnType::List(Box::new(ColumnType::Int)),
            ColumnType::Boolean,
        );
        let key = CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2)]);
        let mut m = OrderedMap::new();
        m.insert(key.clone(), CqlValue::Boolean(true));
        let mut out = BytesMut::new();
        m.serialize(Some(&typ), &mut out).unwrap();
        let frame = out.freeze();
        let back: OrderedMap<CqlValue, CqlValue> = read(&typ, &frame.slice(4..)).unwrap();
        assert_eq!(back.get(&key), Some(&CqlValue::Boolean(true)));
        assert_eq!(back, m);
    }

    #[test]
    fn refuses_other_types_and_nulls() {
        let m: OrderedMap<i32, i32> = [(1, 2)].into_iter().collect();
        let mut out = BytesMut::new();
        assert!(matches!(
            m.serialize(Some(&ColumnType::List(Box::new(ColumnType::Int))), &mut out),
            Err(SerializeError::TypeMismatch { .. })
        ));
        assert!(OrderedMap::<i32, i32>::type_check(&ColumnType::Int).is_err());
        assert!(
            OrderedMap::<i32, String>::type_check(&map_type(ColumnType::Int, ColumnType::Int))
                .is_err()
        );
        let typ = map_type(ColumnType::Int, ColumnType::Int);
        assert_eq!(
            OrderedMap::<i32, i32>::deserialize(&typ, None),
            Err(DeserializeError::UnexpectedNull)
        );
        // A null value inside needs Option.
        let mut b = BytesMut::new();
        b.put_i32(1);
        b.put_i32(4);
        b.put_i32(1);
        b.put_i32(-1);
        let frame = b.freeze();
        assert!(read::<i32, i32>(&typ, &frame).is_err());
        let m: OrderedMap<i32, Option<i32>> = read(&typ, &frame).unwrap();
        assert_eq!(m.get(&1), Some(&None));
        // A truncated map is an error, not a panic.
        let short = frame.slice(..6);
        assert!(read::<i32, Option<i32>>(&typ, &short).is_err());
    }

    #[test]
    fn unset_is_refused_inside() {
        let m: OrderedMap<i32, crate::serialize::Unset> =
            [(1, crate::serialize::Unset)].into_iter().collect();
        let mut out = BytesMut::new();
        assert!(m.serialize(None, &mut out).is_err());
    }
}
