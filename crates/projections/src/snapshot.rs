//! How a read model's state is written into its snapshot and read back: postcard, a compact
//! binary encoding read in one pass, as base64 text behind a mark that names the encoding (a
//! waypoint keeps the bytes themselves, behind a mark of their own).
//!
//! Compatibility rule: a snapshot is read only by the build that could have written it. Its name
//! carries the model's `VERSION` (raised whenever the fold or the state's shape changes), and its
//! state begins with [`ENCODING`] (changed whenever the encoding does). A snapshot under another
//! name is never looked at; a state under the current name that does not begin with the mark (a
//! JSON state saved before, or one in an encoding of a later build) is discarded, and the model
//! folded again from position zero. Postcard does not describe its fields, so a state is never
//! read by a build whose state has another shape: that is what `VERSION` is for.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as BASE64;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The mark a state of this encoding begins with.
pub const ENCODING: &str = "postcard-base64:";

/// `state` as a snapshot saves it.
pub fn encode<S: Serialize>(state: &S) -> Result<String, String> {
    let bytes = postcard::to_allocvec(state).map_err(|e| e.to_string())?;
    let mut text = String::with_capacity(ENCODING.len() + bytes.len().div_ceil(3) * 4);
    text.push_str(ENCODING);
    BASE64.encode_string(&bytes, &mut text);
    Ok(text)
}

/// The state a snapshot saved, or none when it was saved in another encoding.
pub fn decode<S: DeserializeOwned>(saved: &str) -> Result<Option<S>, String> {
    let Some(text) = saved.strip_prefix(ENCODING) else { return Ok(None) };
    let bytes = BASE64.decode(text).map_err(|e| e.to_string())?;
    postcard::from_bytes(&bytes).map(Some).map_err(|e| e.to_string())
}

/// The mark a state of this encoding kept as bytes (a waypoint's) begins with.
pub const ENCODING_BYTES: &[u8] = b"postcard:";

/// `state` as a waypoint saves it: postcard behind [`ENCODING_BYTES`].
pub fn encode_bytes<S: Serialize>(state: &S) -> Result<Vec<u8>, String> {
    postcard::to_extend(state, ENCODING_BYTES.to_vec()).map_err(|e| e.to_string())
}

/// The state a waypoint saved, or none when it was saved in another encoding.
pub fn decode_bytes<S: DeserializeOwned>(saved: &[u8]) -> Result<Option<S>, String> {
    let Some(bytes) = saved.strip_prefix(ENCODING_BYTES) else { return Ok(None) };
    postcard::from_bytes(bytes).map(Some).map_err(|e| e.to_string())
}

/// A field kept as JSON text inside the binary state, for `#[serde(with)]`: for a type whose
/// serde shape only a self-describing format can read back (an internally tagged enum).
pub(crate) mod as_json {
    use serde::de::{DeserializeOwned, Error as _};
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<T: Serialize, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        serde_json::to_string(value).map_err(S::Error::custom)?.serialize(serializer)
    }

    pub(crate) fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        serde_json::from_str(&String::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn a_state_reads_back_as_saved() {
        let state: BTreeMap<String, (u32, Option<f64>)> =
            [("a".to_owned(), (1, Some(0.5))), ("b".to_owned(), (2, None))].into();
        let saved = encode(&state).expect("saves");
        assert!(saved.starts_with(ENCODING), "{saved}");
        assert_eq!(decode::<BTreeMap<String, (u32, Option<f64>)>>(&saved), Ok(Some(state)));
    }

    #[test]
    fn a_state_kept_as_bytes_reads_back_as_saved_and_another_encoding_is_set_aside() {
        let state: BTreeMap<String, (u32, Option<f64>)> =
            [("a".to_owned(), (1, Some(0.5))), ("b".to_owned(), (2, None))].into();
        let saved = encode_bytes(&state).expect("saves");
        assert!(saved.starts_with(ENCODING_BYTES));
        assert_eq!(decode_bytes::<BTreeMap<String, (u32, Option<f64>)>>(&saved), Ok(Some(state)));
        assert_eq!(decode_bytes::<BTreeMap<String, (u32, Option<f64>)>>(b"{\"a\": 1}"), Ok(None));
    }

    #[test]
    fn a_state_in_another_encoding_is_discarded_not_misread() {
        assert_eq!(decode::<BTreeMap<String, u32>>(r#"{"a":1}"#), Ok(None));
        assert_eq!(decode::<BTreeMap<String, u32>>(""), Ok(None));
    }

    #[test]
    fn a_damaged_state_is_refused() {
        let saved = encode(&vec![1u32, 2, 3]).expect("saves");
        assert!(decode::<Vec<u32>>(&saved[..saved.len() - 2]).is_err(), "a state cut short");
        assert!(decode::<Vec<u32>>(&format!("{ENCODING}not base64!")).is_err(), "not base64");
    }
}
