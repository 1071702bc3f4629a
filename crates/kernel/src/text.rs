//! The characters an event's text may hold: the one rule that refuses control characters (U+0000
//! to U+001F other than tab, newline and carriage return, and U+007F) in every string and object
//! key of a payload, in the source and in the actor. PostgreSQL's text cannot hold U+0000, so an
//! event SQLite would store could never be restored there; and no governance record needs any of
//! them.

use std::fmt;

use serde_json::Value;

/// True for a character no text of an event may hold.
pub fn is_refused_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}')
}

/// A control character found in an event's text: in which field, which character, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlCharacter {
    /// The field holding it: `source`, `actor`, or the path of a payload value such as
    /// `narrative`, `period.label` or `evidence_refs[1]`. For a key, the object holding the key
    /// (empty for the payload itself).
    pub field: String,
    /// True when the character is in an object's key rather than in a value.
    pub in_key: bool,
    pub character: char,
    /// Where in the text it is, in bytes from the start of the text.
    pub byte: usize,
}

impl ControlCharacter {
    /// The first refused character in `text`, the value of `field`.
    pub fn find(field: &str, text: &str) -> Option<Self> {
        let (byte, character) = text.char_indices().find(|(_, c)| is_refused_control(*c))?;
        Some(Self { field: field.to_owned(), in_key: false, character, byte })
    }

    /// The first refused character in a payload's canonical JSON text, in any string or key.
    pub(crate) fn in_payload(canonical: &str) -> Option<Self> {
        // Canonical JSON writes a control character below U+0020 as an escape (`\u0000`, `\b`,
        // `\f`; tab, newline and carriage return are allowed) and U+007F as itself. Most payloads
        // hold none of these, and are not parsed again.
        let bytes = canonical.as_bytes();
        let suspect = bytes.iter().enumerate().any(|(i, b)| match b {
            b'\\' => matches!(bytes.get(i + 1), Some(b'u' | b'b' | b'f')),
            0x7f => true,
            b => *b < 0x20,
        });
        if !suspect {
            return None;
        }
        let value: Value = serde_json::from_str(canonical).ok()?;
        Self::in_json(&value)
    }

    /// The first refused character in any string or key of `value`, such as a command about to
    /// be decided, with the path of its field.
    pub fn in_json(value: &Value) -> Option<Self> {
        in_value(value, &mut String::new())
    }
}

/// The first refused character in `value`, whose path is `path`.
fn in_value(value: &Value, path: &mut String) -> Option<ControlCharacter> {
    match value {
        Value::String(text) => ControlCharacter::find(path, text),
        Value::Array(items) => items.iter().enumerate().find_map(|(n, item)| {
            let length = path.len();
            path.push_str(&format!("[{n}]"));
            let found = in_value(item, path);
            path.truncate(length);
            found
        }),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if let Some(mut found) = ControlCharacter::find(path, key) {
                found.in_key = true;
                return Some(found);
            }
            let length = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            let found = in_value(item, path);
            path.truncate(length);
            found
        }),
        _ => None,
    }
}

impl fmt::Display for ControlCharacter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { field, in_key, character, byte } = self;
        let code = u32::from(*character);
        match (in_key, field.is_empty()) {
            (false, _) => write!(f, "{field} contains a control character (U+{code:04X}) at byte {byte}: remove it"),
            (true, true) => {
                write!(f, "a key of the payload contains a control character (U+{code:04X}) at byte {byte}: remove it")
            }
            (true, false) => {
                write!(f, "a key of {field} contains a control character (U+{code:04X}) at byte {byte}: remove it")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Payload;

    fn found(json: &str) -> Option<String> {
        let payload = Payload::parse(json).expect("valid JSON");
        ControlCharacter::in_payload(payload.as_str()).map(|c| c.to_string())
    }

    #[test]
    fn tab_newline_and_carriage_return_are_text_and_other_controls_are_not() {
        assert_eq!(found(r#"{"narrative":"Done.\tSigned off.\r\nNext: the review."}"#), None);
        assert_eq!(found(r#"{"narrative":"a \\u0000 written out","title":"Über"}"#), None);
        assert_eq!(
            found(r#"{"narrative":"Half the plan\u0000 delivered"}"#).as_deref(),
            Some("narrative contains a control character (U+0000) at byte 13: remove it")
        );
        assert_eq!(
            found(r#"{"period":{"label":"2023/24\u001b"}}"#).as_deref(),
            Some("period.label contains a control character (U+001B) at byte 7: remove it")
        );
        assert_eq!(
            found(r#"{"evidence_refs":["minutes","HHCDG\u007f"]}"#).as_deref(),
            Some("evidence_refs[1] contains a control character (U+007F) at byte 5: remove it")
        );
        assert_eq!(
            found(r#"{"period":{"la\fbel":"2023/24"}}"#).as_deref(),
            Some("a key of period contains a control character (U+000C) at byte 2: remove it")
        );
        assert_eq!(
            found(r#"{"\bid":"x"}"#).as_deref(),
            Some("a key of the payload contains a control character (U+0008) at byte 0: remove it")
        );
        for c in (0..0x20).chain([0x7f]).filter_map(char::from_u32) {
            assert_eq!(is_refused_control(c), !matches!(c, '\t' | '\n' | '\r'), "{c:?}");
        }
        assert!(!is_refused_control('\u{85}'), "C1 controls are ordinary text to PostgreSQL");
    }
}
