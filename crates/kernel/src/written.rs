//! Values written as text (a hash as its hexadecimal digits, a date as YYYY-MM-DD): read by a
//! parser of their own from the text where the deserializer holds it, without first copying it
//! into a `String`. Payloads, exports and snapshots hold many of them.

use std::fmt;
use std::marker::PhantomData;

/// Reads a value written as a string with `parse`; `expecting` says what the string should hold,
/// for the error when the value is not a string at all. For a `Deserialize` implementation or
/// `#[serde(deserialize_with)]`.
pub fn from_text<'de, D, T, E>(
    deserializer: D,
    expecting: &'static str,
    parse: fn(&str) -> Result<T, E>,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    E: fmt::Display,
{
    deserializer.deserialize_str(Text { expecting, parse, value: PhantomData })
}

struct Text<T, E> {
    expecting: &'static str,
    parse: fn(&str) -> Result<T, E>,
    value: PhantomData<T>,
}

impl<T, E: fmt::Display> serde::de::Visitor<'_> for Text<T, E> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str(self.expecting)
    }

    fn visit_str<Error: serde::de::Error>(self, text: &str) -> Result<T, Error> {
        (self.parse)(text).map_err(Error::custom)
    }
}
