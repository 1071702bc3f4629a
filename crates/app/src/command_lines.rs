//! Commands as JSON: one command as a JSON object, or a file of JSON Lines with one command per
//! line, where blank lines and lines starting with `#` are skipped. `docs/commands.md` describes
//! the shape of each command. A file is read whole before anything is recorded, and every bad
//! line is reported with its number.

use std::collections::HashSet;
use std::fmt;

use domain::{Command, ContentHash};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// A command and the line of the file it was read from (1-based).
#[derive(Clone, Debug, PartialEq)]
pub struct CommandLine {
    pub line: usize,
    pub command: Command,
}

/// A line that is not a command, and what to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A key given twice in one JSON object of a command. `serde_json` would keep the last, so a
/// reader that keeps the first (a gateway, a log) would see another command than the one
/// recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateKey(pub String);

impl fmt::Display for DuplicateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the key {:?} appears twice: give each key once", self.0)
    }
}

/// Refuses JSON text in which any object, at any depth, gives a key twice. Text that is not
/// JSON passes: reading it as a command says what is wrong with it.
pub fn refuse_duplicate_keys(json: &[u8]) -> Result<(), DuplicateKey> {
    let mut found = None;
    let mut reader = serde_json::Deserializer::from_slice(json);
    // The error only stops the reading; what was found is in `found`.
    let _ = UniqueKeys(&mut found).deserialize(&mut reader);
    found.map_or(Ok(()), |key| Err(DuplicateKey(key)))
}

/// Reads any JSON value, keeping nothing but the first key any object gives twice.
struct UniqueKeys<'a>(&'a mut Option<String>);

impl<'de> DeserializeSeed<'de> for UniqueKeys<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        while items.next_element_seed(UniqueKeys(&mut *self.0))?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<(), A::Error> {
        let mut keys = HashSet::new();
        while let Some(key) = entries.next_key::<String>()? {
            if keys.contains(&key) {
                *self.0 = Some(key);
                return Err(de::Error::custom("a key appears twice"));
            }
            entries.next_value_seed(UniqueKeys(&mut *self.0))?;
            keys.insert(key);
        }
        Ok(())
    }
}

/// The instrument commands that carry the content hash of a document: a version published, and
/// a refresh.
const HASHED: [&str; 2] = ["publish_version", "refresh"];

/// `json`, a command as one JSON object, with the content hash of the document `name` (whose
/// SHA-256 is `hash`) filled in: an instrument's `publish_version` or `refresh` that leaves
/// `content_hash` out is given `hash`, one that carries the same hash is left as it is. Refuses,
/// saying what to do, another command, and one carrying a different hash (naming both).
pub fn with_document_hash(json: &str, name: &str, hash: &ContentHash) -> Result<String, String> {
    // Text that is not a JSON object is refused as `parse_command` words it.
    let not_a_command = || match parse_command(json) {
        Err(error) => error,
        Ok(_) => "the command is not one JSON object: write it as docs/commands.md shows".to_owned(),
    };
    let mut value: serde_json::Value = serde_json::from_str(json).map_err(|_| not_a_command())?;
    let Some(object) = value.as_object_mut() else { return Err(not_a_command()) };
    let field = |object: &serde_json::Map<String, serde_json::Value>, name: &str| {
        object.get(name).and_then(serde_json::Value::as_str).unwrap_or_default().to_owned()
    };
    let (aggregate, command) = (field(object, "aggregate"), field(object, "command"));
    if aggregate != "instrument" || !HASHED.contains(&command.as_str()) {
        return Err(format!(
            "--document gives the content hash of an instrument's document, but this is {aggregate} {command}: use --document only with an instrument's publish_version or refresh"
        ));
    }
    match object.get("content_hash") {
        None | Some(serde_json::Value::Null) => {
            object.insert("content_hash".to_owned(), serde_json::Value::String(hash.to_string()));
        }
        Some(given) if given.as_str() == Some(hash.as_str()) => {}
        Some(given) => {
            return Err(format!(
                "the command's content_hash {given} is not the hash of {name}, {hash}: leave content_hash out to record the document's, or name the document the hash was taken of"
            ));
        }
    }
    Ok(value.to_string())
}

/// Reads one command from a JSON object, or says what is wrong with it and where. A date that is
/// not written as YYYY-MM-DD, is not a day of the calendar or is implausible is refused naming its
/// field (`field `decided_on`: ...`), as [`domain::parse_date`] words it.
pub fn parse_command(json: &str) -> Result<Command, String> {
    refuse_duplicate_keys(json.as_bytes()).map_err(|duplicate| duplicate.to_string())?;
    serde_json::from_str(json).map_err(|error| {
        let text = error.to_string();
        let text = match date_field(json, &text) {
            Some(field) => format!("field `{field}`: {text}"),
            None => text,
        };
        // Errors found after the JSON was read (a missing field, an unknown command) have no position.
        let reason = match error.line() {
            0 => text,
            line => {
                let suffix = format!(" at line {line} column {}", error.column());
                format!("{} (column {})", text.strip_suffix(&suffix).unwrap_or(&text), error.column())
            }
        };
        format!(
            "{reason}: write the command as one JSON object with its aggregate, command and fields, as docs/commands.md shows"
        )
    })
}

/// The field of `json` holding the date that `message`, a refusal of the command, refuses:
/// `decided_on`, or `period.from` within an object.
fn date_field(json: &str, message: &str) -> Option<String> {
    fn search(value: &serde_json::Value, path: &str, message: &str) -> Option<String> {
        match value {
            serde_json::Value::String(text) => {
                domain::parse_date(text).err().filter(|e| message.contains(&e.to_string())).map(|_| path.to_owned())
            }
            serde_json::Value::Object(fields) => fields.iter().find_map(|(name, value)| {
                let path = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                search(value, &path, message)
            }),
            _ => None,
        }
    }
    search(&serde_json::from_str(json).ok()?, "", message)
}

/// The lines of a JSON Lines text that hold something, each with its number (1-based): blank
/// lines and lines starting with `#` are skipped.
pub(crate) fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    (1..)
        .zip(text.lines())
        .map(|(line, content)| (line, content.trim()))
        .filter(|(_, content)| !content.is_empty() && !content.starts_with('#'))
}

/// Reads every command of a JSON Lines text, or every line that is not one.
pub fn parse_command_lines(text: &str) -> Result<Vec<CommandLine>, Vec<LineError>> {
    let mut commands = Vec::new();
    let mut errors = Vec::new();
    for (line, content) in content_lines(text) {
        match parse_command(content) {
            Ok(command) => commands.push(CommandLine { line, command }),
            Err(message) => errors.push(LineError { line, message }),
        }
    }
    if errors.is_empty() { Ok(commands) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_comment_lines_are_skipped_and_every_bad_line_is_named() {
        let text = "# Lincolnshire\n\n{\"aggregate\":\"organisation\",\"command\":\"register\",\"id\":\"GB-LAE-WLI\",\"name\":\"West Lindsey District Council\",\"kind\":\"local_authority\"}\nnot json\n{\"aggregate\":\"organisation\",\"command\":\"regster\",\"id\":\"GB-LAE-WLI\"}\n";
        let errors = parse_command_lines(text).expect_err("two bad lines");
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [4, 5]);
        assert!(errors[1].to_string().contains("unknown variant `regster`"), "{}", errors[1]);
        assert!(errors[1].message.contains("docs/commands.md"), "{}", errors[1]);
        let good = parse_command_lines(&text.lines().take(3).collect::<Vec<_>>().join("\n")).expect("one command");
        assert_eq!(good.len(), 1);
        assert_eq!(good[0].line, 3);
    }

    #[test]
    fn a_bad_date_is_refused_naming_its_field_and_the_form() {
        let command = |decided_on: &str| {
            format!(
                r#"{{"aggregate":"resolution","command":"record","id":"r","body":"b","meeting":"m","agenda_item":"1","text":"RESOLVED","outcome":"noted","decided_on":"{decided_on}"}}"#
            )
        };
        for bad in ["10/03/2021", "2021-02-30", "2021-3-10", "0000-01-01"] {
            let message = parse_command(&command(bad)).expect_err(bad);
            assert!(message.starts_with("field `decided_on`: "), "{message}");
            assert!(message.contains(bad) && message.contains("YYYY-MM-DD"), "{message}");
        }
        assert!(parse_command(&command("2021-03-10")).is_ok());
        let nested = r#"{"aggregate":"commitment","command":"report_progress","id":"c","status":"green","percent_complete":5,"narrative":"n","period":{"label":"Q1","from":"2021-4-01"},"reported_on":"2021-06-30"}"#;
        let message = parse_command(nested).expect_err("unpadded month");
        assert!(
            message.starts_with("field `period.from`: '2021-4-01' is not a date: write it as YYYY-MM-DD"),
            "{message}"
        );
    }

    #[test]
    fn a_key_given_twice_at_any_depth_is_refused() {
        let twice = r#"{"aggregate":"organisation","command":"register","id":"GB-LAE-WLI","id":"GB-LAE-NKE","name":"West Lindsey District Council","kind":"local_authority"}"#;
        assert_eq!(parse_command(twice), Err("the key \"id\" appears twice: give each key once".to_owned()));
        let nested = br#"{"period":{"label":"2023/24","label":"2024/25"},"evidence_refs":[{"a":1,"a":2}]}"#;
        assert_eq!(refuse_duplicate_keys(nested), Err(DuplicateKey("label".to_owned())));
        let in_list = br#"{"evidence_refs":[{"url":"a"},{"url":"b","url":"c"}],"url":"d"}"#;
        assert_eq!(refuse_duplicate_keys(in_list), Err(DuplicateKey("url".to_owned())));
        assert_eq!(refuse_duplicate_keys(br#"{"a":{"b":1},"b":[1,true,null,"x",2.5,-3]}"#), Ok(()));
        assert_eq!(refuse_duplicate_keys(b"not json"), Ok(()), "other readings say what is wrong");
    }
}
