//! Recording the Welsh of a record's own words, as given/when/then tests: what is recorded, what
//! is refused and what the refusal says, and what a correction or a renaming does to the Welsh.
//! Every Welsh text here is illustrative: the seed papers are in English only.

use app::seeds;
use domain::memory::Ledger;
use domain::testing::{default_now, further_commands, given_commands, key, org};
use domain::translation::{self, Field, Language};
use domain::{Command, DomainError, Event, instrument, meeting, organisation, resolution};

const RESOLUTION: &str = "west-lindsey-pcc-2021-03-09-45";
const MEETING: &str = "west-lindsey-pcc-2021-03-09";
const BLUEPRINT: &str = "lincolnshire-homes-for-independence-blueprint";
/// Illustrative Welsh.
const WELSH_TEXT: &str = "PENDERFYNWYD bod Cyngor Dosbarth Gorllewin Lindsey yn mabwysiadu'r Glasbrint.";

fn lincolnshire() -> Vec<Command> {
    seeds::lincolnshire().steps.into_iter().map(|s| s.command).collect()
}

fn translate_resolution(id: &str, field: Field, text: &str) -> resolution::Command {
    resolution::Command::Translate { id: key(id), field, language: Language::Cy, text: text.into() }
}

/// The Lincolnshire story, then `commands`, held in memory.
fn world_after(commands: impl IntoIterator<Item = Command>) -> Ledger {
    let mut world = Ledger::new();
    for step in seeds::lincolnshire().steps {
        world.execute(&step.command, step.occurred_at).expect("seed");
    }
    for command in commands {
        world.execute(&command, default_now()).expect("recorded");
    }
    world
}

#[test]
fn a_resolutions_words_are_recorded_in_welsh() {
    given_commands(lincolnshire()).when(translate_resolution(RESOLUTION, Field::Text, WELSH_TEXT)).then([
        Event::Resolution(resolution::Event::Translated {
            field: Field::Text,
            language: Language::Cy,
            text: WELSH_TEXT.into(),
        }),
    ]);
}

#[test]
fn a_later_translation_replaces_an_earlier_one() {
    let later = "PENDERFYNWYD bod y Cyngor yn mabwysiadu'r Glasbrint."; // illustrative
    let world = world_after([
        translate_resolution(RESOLUTION, Field::Text, WELSH_TEXT).into(),
        translate_resolution(RESOLUTION, Field::Text, later).into(),
    ]);
    let state = &world.all_facts().expect("facts").resolutions[&key(RESOLUTION)];
    assert_eq!(state.welsh.welsh(Field::Text, None), Some(later));
}

#[test]
fn a_correction_of_the_english_clears_the_welsh() {
    let world = world_after([
        translate_resolution(RESOLUTION, Field::Text, WELSH_TEXT).into(),
        resolution::Command::Correct {
            id: key(RESOLUTION),
            text: "RESOLVED that West Lindsey District Council adopt the Blueprint.".into(),
            reason: "Wording as approved".into(),
        }
        .into(),
    ]);
    let state = &world.all_facts().expect("facts").resolutions[&key(RESOLUTION)];
    assert_eq!(state.welsh.welsh(Field::Text, None), None, "the Welsh was of the words corrected");
}

#[test]
fn a_renaming_clears_the_welsh_name() {
    // The further story's Welsh name of West Lindsey District Council.
    let welsh_name = further_commands()
        .into_iter()
        .find(|c| matches!(c, Command::Organisation(organisation::Command::Translate { .. })))
        .expect("the further story names an organisation in Welsh");
    let world = world_after([
        welsh_name,
        organisation::Command::Rename {
            id: org("GB-LAE-WLI"),
            name: "West Lindsey Council".into(),
            effective_on: domain::testing::date("2024-01-01"),
        }
        .into(),
    ]);
    let state = &world.all_facts().expect("facts").organisations[&org("GB-LAE-WLI")];
    assert_eq!(state.welsh.welsh(Field::Name, None), None);
}

#[test]
fn an_agenda_items_and_an_objectives_titles_are_kept_apart_from_their_records() {
    let world = world_after([
        meeting::Command::Translate {
            id: key(MEETING),
            field: Field::Title,
            item: Some("45".into()),
            language: Language::Cy,
            text: "Glasbrint Cartrefi ar gyfer Annibyniaeth".into(),
        }
        .into(),
        instrument::Command::Translate {
            id: key(BLUEPRINT),
            field: Field::Title,
            objective: None,
            language: Language::Cy,
            text: "Glasbrint Cartrefi ar gyfer Annibyniaeth Swydd Lincoln".into(),
        }
        .into(),
    ]);
    let facts = world.all_facts().expect("facts");
    let meeting = &facts.meetings[&key(MEETING)];
    assert_eq!(meeting.welsh.welsh(Field::Title, Some("45")), Some("Glasbrint Cartrefi ar gyfer Annibyniaeth"));
    assert_eq!(meeting.welsh.welsh(Field::Title, None), None, "the meeting's own title is not translated");
    let blueprint = &facts.instruments[&key(BLUEPRINT)];
    assert_eq!(
        blueprint.welsh.welsh(Field::Title, None),
        Some("Glasbrint Cartrefi ar gyfer Annibyniaeth Swydd Lincoln")
    );
}

#[test]
fn a_record_not_on_record_is_not_translated() {
    let message = given_commands(lincolnshire())
        .when(translate_resolution("no-such-resolution", Field::Text, WELSH_TEXT))
        .then_error(|e| matches!(e, DomainError::Resolution(resolution::Error::NotRecorded(_))));
    assert!(message.contains("record it first"), "{message}");
}

#[test]
fn a_field_the_record_does_not_have_is_refused_naming_those_it_has() {
    let message = given_commands(lincolnshire())
        .when(translate_resolution(RESOLUTION, Field::Title, WELSH_TEXT))
        .then_error(|e| {
            matches!(e, DomainError::Resolution(resolution::Error::Translation(translation::Error::NoSuchField { .. })))
        });
    assert_eq!(message, "a resolution has no title to translate: translate its text");
}

#[test]
fn an_empty_translation_is_refused() {
    let message =
        given_commands(lincolnshire()).when(translate_resolution(RESOLUTION, Field::Text, "  ")).then_error(|e| {
            matches!(e, DomainError::Resolution(resolution::Error::Translation(translation::Error::EmptyText(_))))
        });
    assert_eq!(message, "the translated text is empty: give the text in Welsh");
}

#[test]
fn an_agenda_item_or_objective_not_on_record_is_refused() {
    let message = given_commands(lincolnshire())
        .when(meeting::Command::Translate {
            id: key(MEETING),
            field: Field::Title,
            item: Some("99".into()),
            language: Language::Cy,
            text: "Eitem".into(),
        })
        .then_error(|e| {
            matches!(e, DomainError::Meeting(meeting::Error::Translation(translation::Error::NoSuchPart { .. })))
        });
    assert!(message.starts_with("agenda item 99 is not on record for this meeting"), "{message}");
    given_commands(lincolnshire())
        .when(instrument::Command::Translate {
            id: key(BLUEPRINT),
            field: Field::Title,
            objective: Some(key("no-such-objective")),
            language: Language::Cy,
            text: "Amcan".into(),
        })
        .then_error(|e| {
            matches!(e, DomainError::Instrument(instrument::Error::Translation(translation::Error::NoSuchPart { .. })))
        });
}

#[test]
fn only_welsh_is_a_language_a_translation_takes() {
    let json = serde_json::json!({
        "aggregate": "resolution", "command": "translate", "id": RESOLUTION,
        "field": "text", "language": "fr", "text": "Il est résolu"
    });
    let refused = serde_json::from_value::<Command>(json).expect_err("only cy");
    assert!(refused.to_string().contains("expected `cy`"), "{refused}");
}
