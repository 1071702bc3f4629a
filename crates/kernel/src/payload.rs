//! Canonical JSON payloads. A payload is stored, hashed and compared in one canonical form: no
//! insignificant whitespace, object keys sorted by their UTF-8 bytes, strings escaped the way `serde_json` escapes them, numbers as `serde_json` prints them.
//! Sorting is done here, not left to `serde_json`'s map type, so that enabling its
//! `preserve_order` feature anywhere in a build can never change a hash.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The largest payload accepted, in bytes of canonical JSON.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// A JSON object in canonical form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Payload(String);

impl Payload {
    /// Parses JSON text, requires an object, and canonicalises it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| format!("payload is not valid JSON ({e}): send a JSON object such as {{\"title\": \"…\"}}"))?;
        Self::from_value(&value)
    }

    /// Canonicalises a JSON value, which must be an object.
    pub fn from_value(value: &Value) -> Result<Self, String> {
        if !value.is_object() {
            return Err("payload must be a JSON object: wrap the value in an object such as {\"value\": …}".into());
        }
        let mut out = Vec::new();
        write_canonical(value, &mut out).map_err(|e| format!("payload could not be written: {e}"))?;
        if out.len() > MAX_PAYLOAD_BYTES {
            return Err(format!(
                "payload is {} bytes: the limit is {MAX_PAYLOAD_BYTES}; keep documents outside the log and record their content hash and reference instead",
                out.len()
            ));
        }
        String::from_utf8(out).map(Self).map_err(|e| format!("payload could not be written as text: {e}"))
    }

    /// Serialises `value` into a canonical payload.
    pub fn from_serialize<T: Serialize>(value: &T) -> Result<Self, String> {
        let value = serde_json::to_value(value).map_err(|e| format!("payload could not be serialised: {e}"))?;
        Self::from_value(&value)
    }

    /// Wraps text already known to be canonical, such as a payload read back from a store.
    /// The hash chain, not this constructor, is what proves stored text was not altered.
    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.0)
    }

    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.0)
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Writes `value` with every object's keys in byte order and no whitespace; strings, numbers,
/// null and booleans as serde_json writes them, straight into `out`.
fn write_canonical(value: &Value, out: &mut Vec<u8>) -> serde_json::Result<()> {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key)?;
                out.push(b':');
                write_canonical(item, out)?;
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out)?;
            }
            out.push(b']');
        }
        other => serde_json::to_writer(&mut *out, other)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn canonical_form_sorts_keys_and_drops_whitespace() {
        let a = Payload::parse(r#"{ "b": 1, "a": {"z": [1, 2.5, "x"], "y": null} }"#).expect("valid");
        let b = Payload::parse(r#"{"a":{"y":null,"z":[1,2.5,"x"]},"b":1}"#).expect("valid");
        assert_eq!(a, b);
        assert_eq!(a.as_str(), r#"{"a":{"y":null,"z":[1,2.5,"x"]},"b":1}"#);
    }

    #[test]
    fn rejects_non_objects_non_json_and_oversized() {
        assert!(Payload::parse("not json").expect_err("text").contains("not valid JSON"));
        assert!(Payload::parse("[1]").expect_err("array").contains("must be a JSON object"));
        let big = format!(r#"{{"narrative":"{}"}}"#, "x".repeat(MAX_PAYLOAD_BYTES));
        assert!(Payload::parse(&big).expect_err("big").contains("limit is 65536"));
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
            ".*".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(".*", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn canonical_form_is_a_fixed_point(inner in json_value()) {
            let value = serde_json::json!({ "v": inner });
            let once = Payload::from_value(&value).expect("object");
            let twice = Payload::parse(once.as_str()).expect("canonical text parses");
            prop_assert_eq!(&once, &twice);
            prop_assert_eq!(once.to_value().expect("json"), value);
        }

        /// The canonical form is serde_json's own compact text of the value, whose objects
        /// (without serde_json's `preserve_order`) keep their keys in byte order.
        #[test]
        fn canonical_form_is_serde_jsons_compact_text(inner in json_value()) {
            let value = serde_json::json!({ "v": inner, "a": "é\u{1}\"\\\n" });
            let canonical = Payload::from_value(&value).expect("object");
            prop_assert_eq!(canonical.as_str(), serde_json::to_string(&value).expect("serialises"));
        }
    }
}
