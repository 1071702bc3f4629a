//! ModernGov meetings: West Lindsey's Prosperous Communities Committee of 9 March 2021 imported
//! from GetMeeting, once, again unchanged, and in a later version with a corrected minute and an
//! added item; a response cut short, which records nothing; and the same meeting imported into
//! the demo's records, which hold its minute 45 already: matched, not copied, from the command
//! line's recorder and over HTTP.

use app::interchange::Importer;
use app::interchange::moderngov::{self, Options};
use app::{Provenance, Recorder, Submission};
use domain::{Date, OrgId, organisation};
use kernel::{EventStore, Position};
use tests::{TestStore, on_both_backends, spawn_app};

use super::{fixture, head, listed, quiet, seeded};

on_both_backends!(
    a_meeting_imported_again_adds_nothing,
    a_later_version_records_only_what_changed,
    a_truncated_response_is_reported_and_records_nothing,
    the_demos_minute_45_is_matched_not_recorded_again,
    only_what_is_new_in_a_meeting_on_record_is_recorded,
    the_http_answer_says_what_was_recorded_matched_and_skipped,
    an_item_moderngov_minutes_as_exempt_is_recorded_exempt_and_never_public,
    restricted_papers_without_a_paragraph_are_refused_and_record_nothing,
);

fn options(file: &str) -> Options {
    Options {
        council: OrgId::parse("GB-LAE-WLI").expect("an org-id"),
        on: Date::from_ymd_opt(2021, 3, 16).expect("a date"),
        file: file.to_owned(),
    }
}

const CLERK: &str = "democratic.services@west-lindsey.gov.uk";

/// A store with West Lindsey District Council registered and its committees imported.
async fn west_lindsey(db: &TestStore) -> Recorder {
    let recorder = Recorder::new(db.shared());
    let register = organisation::Command::Register {
        id: OrgId::parse("GB-LAE-WLI").expect("an org-id"),
        name: "West Lindsey District Council".into(),
        kind: organisation::Kind::LocalAuthority,
        identifiers: Vec::new(),
    };
    let submission = Submission { command: register.into(), provenance: Provenance::new(CLERK) };
    recorder.record(&submission, kernel::Timestamp::now()).await.expect("the council is registered");
    let file = "west-lindsey-committees.xml";
    let imported = moderngov::import_committees(
        Importer { recorder: &recorder, actor: CLERK, progress: &mut quiet() },
        &fixture(file),
        &options(file),
    )
    .await
    .expect("the committees import");
    // Four committees, one of them expired.
    assert_eq!((imported.events, imported.unchanged), (3, 1));
    recorder
}

/// What is on record now, as the read models hold it.
async fn on_record(db: &TestStore) -> projections::ReadModels {
    app::views::current(&db.stores().await, |_, _| ()).await.expect("the read models build").0
}

async fn import(db: &TestStore, recorder: &Recorder, file: &str) -> app::interchange::Imported {
    let on_record = on_record(db).await;
    moderngov::import_meeting(
        Importer { recorder, actor: CLERK, progress: &mut quiet() },
        &on_record,
        &fixture(file),
        &options(file),
    )
    .await
    .unwrap_or_else(|e| panic!("{file} imports: {e}"))
}

/// What an import matched, as (line, message).
fn matched(imported: &app::interchange::Imported) -> Vec<(usize, &str)> {
    imported.matched.iter().map(|m| (m.line, m.message.as_str())).collect()
}

/// The event types recorded after `after`, in order.
async fn recorded_after(store: &dyn EventStore, after: Position) -> Vec<String> {
    let events = store.read_all(after, 1_000).await.expect("the log reads");
    events.iter().map(|e| format!("{} {}", e.stream_id, e.event_type)).collect()
}

async fn a_meeting_imported_again_adds_nothing(db: &TestStore) {
    let recorder = west_lindsey(db).await;
    let before = head(db.store()).await;
    let first = import(db, &recorder, "west-lindsey-pcc-2021-03-09.xml").await;
    assert_eq!(
        recorded_after(db.store(), before).await,
        [
            "meeting-west-lindsey-meeting-2562 MeetingScheduled",
            "meeting-west-lindsey-meeting-2562 MeetingAgendaItemAdded",
            "meeting-west-lindsey-meeting-2562 MeetingAgendaItemAdded",
            "meeting-west-lindsey-meeting-2562 MeetingAgendaItemAdded",
            "meeting-west-lindsey-meeting-2562 MeetingHeld",
            "resolution-west-lindsey-meeting-2562-item-24731 ResolutionRecorded",
            "resolution-west-lindsey-meeting-2562-item-24738 ResolutionRecorded",
            "resolution-west-lindsey-meeting-2562-item-24741 ResolutionRecorded",
        ]
    );
    assert_eq!(first.events, 8);

    // Minute 45 is the resolution as the minutes word it, and its source names the council,
    // the meeting and the agenda item.
    let stream = kernel::StreamId::parse("resolution-west-lindsey-meeting-2562-item-24738").expect("a stream id");
    let recorded = db.store().read_stream(&stream, kernel::StreamBound::All).await.expect("the stream reads");
    let payload: serde_json::Value = serde_json::from_str(recorded[0].payload.as_str()).expect("JSON");
    assert_eq!(
        payload["text"],
        "RESOLVED that West Lindsey District Council adopt and agree to work towards meeting the objectives set out within the Lincolnshire Homes for Independence Blueprint."
    );
    assert_eq!(payload["outcome"], "adopted");
    assert_eq!(
        recorded[0].metadata.source.as_deref(),
        Some(
            "West Lindsey District Council, Prosperous Communities Committee, 9 March 2021, agenda item 8a, minute 45 (ModernGov meeting 2562, agenda item 24738)"
        )
    );

    let after_first = head(db.store()).await;
    let again = import(db, &recorder, "west-lindsey-pcc-2021-03-09.xml").await;
    assert_eq!((again.events, again.unchanged), (0, 3));
    assert_eq!(head(db.store()).await, after_first);
}

async fn a_later_version_records_only_what_changed(db: &TestStore) {
    let recorder = west_lindsey(db).await;
    import(db, &recorder, "west-lindsey-pcc-2021-03-09.xml").await;
    let before = head(db.store()).await;
    let later = import(db, &recorder, "west-lindsey-pcc-2021-03-09-corrected.xml").await;
    assert_eq!(
        recorded_after(db.store(), before).await,
        [
            "meeting-west-lindsey-meeting-2562 MeetingAgendaItemAdded",
            "resolution-west-lindsey-meeting-2562-item-24731 ResolutionCorrected",
            "resolution-west-lindsey-meeting-2562-item-24744 ResolutionRecorded",
        ]
    );
    assert_eq!((later.events, later.unchanged), (3, 2));
    let stream = kernel::StreamId::parse("resolution-west-lindsey-meeting-2562-item-24731").expect("a stream id");
    let recorded = db.store().read_stream(&stream, kernel::StreamBound::All).await.expect("the stream reads");
    let payload: serde_json::Value = serde_json::from_str(recorded[1].payload.as_str()).expect("JSON");
    assert_eq!(
        payload["text"],
        "RESOLVED that the Minutes of the meeting of the Prosperous Communities Committee held on 19 January 2021 be confirmed and signed as a correct record."
    );
}

async fn a_truncated_response_is_reported_and_records_nothing(db: &TestStore) {
    let recorder = west_lindsey(db).await;
    let before = head(db.store()).await;
    let file = "west-lindsey-pcc-2021-03-09-truncated.xml";
    let on_record = on_record(db).await;
    let error = moderngov::import_meeting(
        Importer { recorder: &recorder, actor: CLERK, progress: &mut quiet() },
        &on_record,
        &fixture(file),
        &options(file),
    )
    .await
    .expect_err("the response is cut short");
    assert_eq!(
        listed(error),
        [(
            33,
            Some("agendaitemtitle".to_owned()),
            "the file ends inside <agendaitemtitle>, opened on line 33: it is cut short; save the whole response of the ModernGov web service again".to_owned()
        )]
    );
    assert_eq!(head(db.store()).await, before);
}

/// The demo's minute 45, as ModernGov publishes its meeting: the meeting, its agenda item and its
/// resolution are all on record under the demo's keys, so nothing is recorded, and each match is
/// said.
async fn the_demos_minute_45_is_matched_not_recorded_again(db: &TestStore) {
    let recorder = seeded(db.shared()).await;
    let before = head(db.store()).await;
    let file = "west-lindsey-pcc-2021-03-09-minute-45.xml";
    let imported = import(db, &recorder, file).await;
    assert_eq!((imported.changed, imported.events, imported.unchanged), (0, 0, 0));
    assert_eq!(
        matched(&imported),
        [
            (
                3,
                "ModernGov meeting 2562 (Prosperous Communities Committee, 9 March 2021) is meeting west-lindsey-pcc-2021-03-09 on record, of the same body on the same date"
            ),
            (
                13,
                "agenda item 8a, minute 45 (ModernGov agenda item 24738) is agenda item 45 of meeting west-lindsey-pcc-2021-03-09 on record"
            ),
            (
                13,
                "the resolution of agenda item 8a, minute 45 (ModernGov agenda item 24738) is resolution west-lindsey-pcc-2021-03-09-45 on record"
            ),
        ]
    );
    assert!(imported.not_recorded.is_empty(), "{:?}", imported.not_recorded);
    assert_eq!(head(db.store()).await, before, "nothing is recorded");
    let copy = kernel::StreamId::parse("resolution-west-lindsey-meeting-2562-item-24738").expect("a stream id");
    assert!(db.store().read_stream(&copy, kernel::StreamBound::All).await.expect("the stream reads").is_empty());

    // Again: the same matches, and still nothing recorded.
    let again = import(db, &recorder, file).await;
    assert_eq!(matched(&again), matched(&imported));
    assert_eq!(head(db.store()).await, before);
}

/// The whole meeting imported into the demo's records: minute 45 is matched; the minutes of the
/// previous meeting and the workplan, which the demo does not hold, are recorded in the meeting on
/// record, under ModernGov's keys, so the next import skips them.
async fn only_what_is_new_in_a_meeting_on_record_is_recorded(db: &TestStore) {
    let recorder = seeded(db.shared()).await;
    let before = head(db.store()).await;
    let file = "west-lindsey-pcc-2021-03-09.xml";
    let imported = import(db, &recorder, file).await;
    assert_eq!(
        recorded_after(db.store(), before).await,
        [
            "meeting-west-lindsey-pcc-2021-03-09 MeetingAgendaItemAdded",
            "meeting-west-lindsey-pcc-2021-03-09 MeetingAgendaItemAdded",
            "resolution-west-lindsey-meeting-2562-item-24731 ResolutionRecorded",
            "resolution-west-lindsey-meeting-2562-item-24741 ResolutionRecorded",
        ]
    );
    assert_eq!((imported.changed, imported.events, imported.matched.len(), imported.unchanged), (4, 4, 3, 0));
    let workplan = kernel::StreamId::parse("resolution-west-lindsey-meeting-2562-item-24741").expect("a stream id");
    let recorded = db.store().read_stream(&workplan, kernel::StreamBound::All).await.expect("the stream reads");
    let payload: serde_json::Value = serde_json::from_str(recorded[0].payload.as_str()).expect("JSON");
    assert_eq!(payload["meeting"], "west-lindsey-pcc-2021-03-09");
    assert_eq!(payload["agenda_item"], "9");

    let after_first = head(db.store()).await;
    let again = import(db, &recorder, file).await;
    assert_eq!((again.changed, again.events, again.matched.len(), again.unchanged), (0, 0, 3, 2));
    assert_eq!(head(db.store()).await, after_first);
}

/// Over HTTP the answer says the same, in the same words: recorded, matched and skipped.
async fn the_http_answer_says_what_was_recorded_matched_and_skipped(db: &TestStore) {
    let app = spawn_app(db).await;
    for story in app::seeds::stories() {
        app.load(&story).await;
    }
    let token = app.token(app::Role::Secretariat, None).await;
    let before = app.head().await;
    let response = app
        .client
        .post(app.url("/api/v1/imports/moderngov?council=GB-LAE-WLI&file=meeting.xml"))
        .bearer_auth(&token)
        .header("Content-Type", "application/xml")
        .body(fixture("west-lindsey-pcc-2021-03-09-minute-45.xml"))
        .send()
        .await
        .expect("the import is sent");
    assert_eq!(response.status(), 200, "nothing new: 200, not 201");
    let answer: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(answer["recorded"], 0);
    assert_eq!(answer["skipped"], 0);
    let matched = answer["matched"].as_array().expect("a list of matches");
    assert_eq!(matched.len(), 3, "{answer}");
    assert_eq!(
        matched[2]["message"],
        "the resolution of agenda item 8a, minute 45 (ModernGov agenda item 24738) is resolution west-lindsey-pcc-2021-03-09-45 on record"
    );
    assert_eq!(app.head().await, before);
}

/// The meeting with an exempt item (illustrative), whose minute names paragraph 3 of Schedule 12A
/// and whose report is restricted: its resolution is recorded exempt under paragraph 3, and once
/// the minutes are published the public record holds the meeting's other decisions and nothing
/// of it, not its key, words, item or a count.
async fn an_item_moderngov_minutes_as_exempt_is_recorded_exempt_and_never_public(db: &TestStore) {
    let recorder = west_lindsey(db).await;
    import(db, &recorder, "west-lindsey-pcc-2021-03-09-exempt.xml").await;
    let stream = kernel::StreamId::parse("resolution-west-lindsey-meeting-2562-item-24742").expect("a stream id");
    let recorded = db.store().read_stream(&stream, kernel::StreamBound::All).await.expect("the stream reads");
    let payload: serde_json::Value = serde_json::from_str(recorded[0].payload.as_str()).expect("JSON");
    assert_eq!(payload["exempt_under"], 3, "{payload}");
    let publish = domain::meeting::Command::PublishMinutes {
        id: domain::Key::parse("west-lindsey-meeting-2562").expect("a key"),
        published_on: Date::from_ymd_opt(2021, 3, 16).expect("a date"),
    };
    let submission = Submission { command: publish.into(), provenance: Provenance::new(CLERK) };
    recorder.record(&submission, kernel::Timestamp::now()).await.expect("the minutes are published");
    let public =
        on_record(db).await.public(&projections::Rules::default(), Date::from_ymd_opt(2021, 3, 17).expect("a date"));
    let meeting = public.meetings.iter().find(|m| m.meeting.as_str() == "west-lindsey-meeting-2562").expect("public");
    assert_eq!(meeting.resolutions.len(), 3, "the three public decisions, and no count of the exempt one");
    assert_eq!(meeting.agenda.len(), 3, "the exempt item is withheld from the agenda");
    let json = serde_json::to_string(&public).expect("JSON");
    assert!(json.contains("RESOLVED that West Lindsey District Council adopt"), "minute 45 is public");
    for secret in ["item-24742", "acquisition", "Gainsborough"] {
        assert!(!json.contains(secret), "the public record shows {secret}");
    }
}

/// An item whose papers ModernGov marks restricted, with no paragraph of Schedule 12A in its
/// minute: Covenant cannot tell under what it is exempt, so the import says so and records nothing.
async fn restricted_papers_without_a_paragraph_are_refused_and_record_nothing(db: &TestStore) {
    let recorder = west_lindsey(db).await;
    let before = head(db.store()).await;
    let file = "west-lindsey-pcc-2021-03-09-exempt.xml";
    let text = fixture(file).replace(
        "The item involved the likely disclosure of exempt information as defined in paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972.",
        "Members considered the report.",
    );
    let on_record = on_record(db).await;
    let error = moderngov::import_meeting(
        Importer { recorder: &recorder, actor: CLERK, progress: &mut quiet() },
        &on_record,
        &text,
        &options(file),
    )
    .await
    .expect_err("the item's exemption is unknown");
    let problems = listed(error);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].1.as_deref(), Some("isrestricted"));
    assert!(problems[0].2.contains("agenda item 10's papers are restricted in ModernGov"), "{problems:?}");
    assert_eq!(head(db.store()).await, before);
}
