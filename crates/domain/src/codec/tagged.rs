//! A stored payload read straight into its aggregate's event: the payload's JSON object with the
//! variant its type name stands for put in front of its own fields, as the event's tag, without
//! building the payload as a JSON value first.

use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};

/// `inner`, a JSON object, with `tag`, a (field, value), as its first field.
pub(super) struct Tagged<D> {
    pub(super) tag: (&'static str, &'static str),
    pub(super) inner: D,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Tagged<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(Prepend { tag: self.tag, visitor })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// Hands `visitor` the object with the tag in front.
struct Prepend<V> {
    tag: (&'static str, &'static str),
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Prepend<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(formatter)
    }

    fn visit_map<A: MapAccess<'de>>(self, rest: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Prepended { tag: Some(self.tag), value: None, rest })
    }
}

/// The tag, then the object's own fields.
struct Prepended<A> {
    /// The tag, until its field is given.
    tag: Option<(&'static str, &'static str)>,
    /// The tag's value, once its field has been given and until the value is.
    value: Option<&'static str>,
    rest: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Prepended<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        match self.tag.take() {
            Some((field, value)) => {
                self.value = Some(value);
                seed.deserialize(BorrowedStrDeserializer::new(field)).map(Some)
            }
            None => self.rest.next_key_seed(seed),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(BorrowedStrDeserializer::new(value)),
            None => self.rest.next_value_seed(seed),
        }
    }
}
