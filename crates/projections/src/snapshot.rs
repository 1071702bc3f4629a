//! How a read model's state is written into its snapshot and read back: postcard, a compact
//! binary encoding read in one pass, compressed with zstd, as base64 text behind a mark that
//! names the encoding (a waypoint keeps the compressed bytes themselves, behind a mark of their
//! own). A state names the same bodies, ids and dates many times over, and compressed it is a
//! small part of its size: writing it whole was most of what saving a waypoint cost
//! (`docs/benchmarks.md`, "Projections").
//!
//! Compatibility rule: a snapshot is read only by the build that could have written it. Its name
//! carries the model's `VERSION` (raised whenever the fold or the state's shape changes), and its
//! state begins with [`ENCODING`] (changed whenever the encoding does). A snapshot under another
//! name is never looked at. A state under the current name saved uncompressed, as builds before
//! the compression saved it, is still read, so that a new build resumes from it; one that begins
//! with neither mark (a JSON state saved before, or one in an encoding of a later build) is
//! discarded, and the model folded again from position zero. Postcard does not describe its
//! fields, so a state is never read by a build whose state has another shape: that is what
//! `VERSION` is for.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as BASE64;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The mark a state of this encoding begins with.
pub const ENCODING: &str = "postcard-zstd-base64:";

/// The mark of a state saved uncompressed, read but no longer written.
const UNCOMPRESSED: &str = "postcard-base64:";

/// The mark a state of this encoding kept as bytes (a waypoint's) begins with.
pub const ENCODING_BYTES: &[u8] = b"postcard-zstd:";

/// The mark of a waypoint's state saved uncompressed, read but no longer written.
const UNCOMPRESSED_BYTES: &[u8] = b"postcard:";

/// zstd's fastest level: a state is saved on the fold's way, and level 3, zstd's default, made
/// the read models' state at 1,000,000 events 0.4 % smaller in a third more time.
const LEVEL: i32 = 1;

/// `state` as a snapshot saves it.
pub fn encode<S: Serialize>(state: &S) -> Result<String, String> {
    let bytes = compressed(state)?;
    let mut text = String::with_capacity(ENCODING.len() + bytes.len().div_ceil(3) * 4);
    text.push_str(ENCODING);
    BASE64.encode_string(&bytes, &mut text);
    Ok(text)
}

/// The state a snapshot saved, or none when it was saved in another encoding.
pub fn decode<S: DeserializeOwned>(saved: &str) -> Result<Option<S>, String> {
    let (text, compressed) = match (saved.strip_prefix(ENCODING), saved.strip_prefix(UNCOMPRESSED)) {
        (Some(text), _) => (text, true),
        (None, Some(text)) => (text, false),
        (None, None) => return Ok(None),
    };
    read(&BASE64.decode(text).map_err(|e| e.to_string())?, compressed)
}

/// `state` as a waypoint saves it: compressed postcard behind [`ENCODING_BYTES`].
pub fn encode_bytes<S: Serialize>(state: &S) -> Result<Vec<u8>, String> {
    Ok([ENCODING_BYTES, &compressed(state)?].concat())
}

/// The state a waypoint saved, or none when it was saved in another encoding.
pub fn decode_bytes<S: DeserializeOwned>(saved: &[u8]) -> Result<Option<S>, String> {
    match (saved.strip_prefix(ENCODING_BYTES), saved.strip_prefix(UNCOMPRESSED_BYTES)) {
        (Some(bytes), _) => read(bytes, true),
        (None, Some(bytes)) => read(bytes, false),
        (None, None) => Ok(None),
    }
}

/// `state` in postcard, compressed.
fn compressed<S: Serialize>(state: &S) -> Result<Vec<u8>, String> {
    let bytes = postcard::to_allocvec(state).map_err(|e| e.to_string())?;
    zstd::bulk::compress(&bytes, LEVEL).map_err(|e| format!("the state does not compress: {e}"))
}

/// The postcard `bytes` hold, decompressed in one pass into a buffer of the size their frame
/// gives (every frame [`compressed`] writes gives it), so that a large state is not copied from
/// buffer to growing buffer as it is read; a frame that gives none, or claims more than
/// [`AT_ONCE_AT_MOST`], is read as a stream instead.
fn decompressed(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let failed = |e: std::io::Error| format!("the state does not decompress: {e}");
    match zstd::zstd_safe::get_frame_content_size(bytes) {
        Ok(Some(size)) if size <= AT_ONCE_AT_MOST => zstd::bulk::decompress(bytes, size as usize).map_err(failed),
        _ => zstd::decode_all(bytes).map_err(failed),
    }
}

/// The largest state decompressed into a buffer reserved for it beforehand: far more than the
/// read models of a record of millions of events take.
const AT_ONCE_AT_MOST: u64 = 1 << 30;

/// The state the postcard `bytes` hold, decompressed first when they are `compressed`.
fn read<S: DeserializeOwned>(bytes: &[u8], compressed: bool) -> Result<Option<S>, String> {
    let whole;
    let bytes = if compressed {
        whole = decompressed(bytes)?;
        whole.as_slice()
    } else {
        bytes
    };
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
    fn a_state_an_earlier_build_saved_uncompressed_still_reads() {
        let state: BTreeMap<String, u32> = [("Lincolnshire Housing Partnership".to_owned(), 7)].into();
        let bytes = postcard::to_allocvec(&state).expect("encodes");
        let text = format!("{UNCOMPRESSED}{}", BASE64.encode(&bytes));
        assert_eq!(decode::<BTreeMap<String, u32>>(&text), Ok(Some(state.clone())));
        let kept = [UNCOMPRESSED_BYTES, bytes.as_slice()].concat();
        assert_eq!(decode_bytes::<BTreeMap<String, u32>>(&kept), Ok(Some(state)));
    }

    #[test]
    fn a_state_that_repeats_itself_is_saved_in_a_fraction_of_its_size() {
        let state: BTreeMap<String, String> = (0..1_000)
            .map(|n| (format!("commitment-homes-for-independence-{n:04}"), "West Lindsey District Council".to_owned()))
            .collect();
        let uncompressed = postcard::to_allocvec(&state).expect("encodes").len();
        let saved = encode_bytes(&state).expect("saves");
        assert!(saved.len() * 5 < uncompressed, "{} bytes saved of {uncompressed}", saved.len());
        let size = zstd::zstd_safe::get_frame_content_size(&saved[ENCODING_BYTES.len()..]);
        assert!(matches!(size, Ok(Some(n)) if n == uncompressed as u64), "the frame gives its size: {size:?}");
        assert_eq!(decode_bytes::<BTreeMap<String, String>>(&saved), Ok(Some(state)));
    }

    #[test]
    fn a_state_whose_frame_gives_no_size_is_read_as_a_stream() {
        let state: Vec<String> = vec!["Lincolnshire Homes for Independence Blueprint".to_owned(); 100];
        let bytes = postcard::to_allocvec(&state).expect("encodes");
        let frame = zstd::stream::encode_all(bytes.as_slice(), LEVEL).expect("compresses");
        assert!(matches!(zstd::zstd_safe::get_frame_content_size(&frame), Ok(None)), "a streamed frame gives no size");
        let kept = [ENCODING_BYTES, frame.as_slice()].concat();
        assert_eq!(decode_bytes::<Vec<String>>(&kept), Ok(Some(state)));
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
        assert!(decode::<Vec<u32>>(&format!("{ENCODING}{}", BASE64.encode([1, 2, 3, 4]))).is_err(), "not zstd");
        let kept = encode_bytes(&vec![1u32, 2, 3]).expect("saves");
        assert!(decode_bytes::<Vec<u32>>(&kept[..kept.len() - 1]).is_err(), "a waypoint's state cut short");
    }
}
