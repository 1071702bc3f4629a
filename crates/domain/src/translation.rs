//! The Welsh of a record's own words: a title, a name, a resolution's text. A record holds its
//! text in English as recorded; each aggregate whose text the public record shows takes a
//! `translate` command naming the field (and, for an agenda item or an objective, which one),
//! the language and the text, and records it as its own `Translated` event. The record keeps the
//! latest text given for each field in its state's [`Translations`]; a later translation
//! replaces an earlier one, and a change of the English (a resolution's correction, an
//! organisation's new name) clears the Welsh of that field, so that nothing shows a Welsh text
//! of words the record no longer holds.

use serde::{Deserialize, Serialize};

use crate::values::has_text;

/// A language a record's text may be translated into. English is the language the record is
/// kept in, so Welsh is the only one a translation takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Welsh.
    Cy,
}

impl Language {
    /// The language's code, as `lang` and `xml:lang` take it: `cy`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Cy => "cy",
        }
    }

    /// The language's name in English, as the audit trail writes it.
    pub fn name(self) -> &'static str {
        match self {
            Language::Cy => "Welsh",
        }
    }
}

/// A text field of a record that may be translated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// An organisation's or a body's name.
    Name,
    /// The title of a meeting, an agenda item, an instrument, an objective or a commitment.
    Title,
    /// A resolution's words.
    Text,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Title => "title",
            Field::Text => "text",
        }
    }
}

/// One translated text of a record: its field, the part of the record it belongs to (an agenda
/// item's number, an objective's key) or none for the record's own, and the text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Translation {
    pub field: Field,
    pub part: Option<String>,
    pub language: Language,
    pub text: String,
}

impl Translation {
    /// A translation of the whole of `field`, not of one part of it.
    pub fn whole(field: Field, language: Language, text: &str) -> Self {
        Translation { field, part: None, language, text: text.to_owned() }
    }
}

/// The translated texts of one record, the latest for each field, part and language.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Translations(Vec<Translation>);

impl Translations {
    /// The Welsh of `field` of the record (`part` `None`) or of one of its parts.
    pub fn welsh(&self, field: Field, part: Option<&str>) -> Option<&str> {
        self.0
            .iter()
            .find(|t| t.field == field && t.part.as_deref() == part && t.language == Language::Cy)
            .map(|t| t.text.as_str())
    }

    /// Keeps `translation`, replacing the one it follows.
    pub(crate) fn set(&mut self, translation: Translation) {
        self.clear(translation.field, translation.part.as_deref());
        self.0.push(translation);
    }

    /// Forgets every translation of `field` of the record or of its `part`: its English changed.
    pub(crate) fn clear(&mut self, field: Field, part: Option<&str>) {
        self.0.retain(|t| !(t.field == field && t.part.as_deref() == part));
    }
}

/// Why a translation was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Error {
    #[error("a {record} has no {} to translate: translate its {}", .field.as_str(), fields(.has))]
    NoSuchField { record: &'static str, field: Field, has: &'static [Field] },
    #[error("the translated text is empty: give the {} in Welsh", .0.as_str())]
    EmptyText(Field),
    #[error("{what} {part} is not on record for this {record}: name one it has, or translate the {record}'s own {}", .field.as_str())]
    NoSuchPart { record: &'static str, what: &'static str, part: String, field: Field },
}

/// "name", "title or text": the fields a record has, as a sentence lists them.
fn fields(has: &[Field]) -> String {
    let names: Vec<&str> = has.iter().map(|f| f.as_str()).collect();
    names.join(" or ")
}

/// Checks a translation of `field` of a `record` that has the fields `has`: the field is one of
/// them and the text is not empty. A text longer than an event holds is refused when it is
/// encoded, as the English is.
pub fn check(record: &'static str, has: &'static [Field], field: Field, text: &str) -> Result<(), Error> {
    if !has.contains(&field) {
        return Err(Error::NoSuchField { record, field, has });
    }
    if !has_text(text) {
        return Err(Error::EmptyText(field));
    }
    Ok(())
}
