//! ModernGov meetings: West Lindsey's Prosperous Communities Committee of 9 March 2021 imported
//! from GetMeeting, once, again unchanged, and in a later version with a corrected minute and an
//! added item; and a response cut short, which records nothing.

use app::interchange::moderngov::{self, Options};
use app::{Provenance, Recorder, Submission};
use domain::{Date, OrgId, organisation};
use kernel::{EventStore, Position};
use tests::{TestStore, on_both_backends};

use super::{fixture, head, listed, quiet};

on_both_backends!(
    a_meeting_imported_again_adds_nothing,
    a_later_version_records_only_what_changed,
    a_truncated_response_is_reported_and_records_nothing,
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
    let imported = moderngov::import_committees(&recorder, &fixture(file), &options(file), CLERK, &mut quiet())
        .await
        .expect("the committees import");
    // Four committees, one of them expired.
    assert_eq!((imported.events, imported.unchanged), (3, 1));
    recorder
}

async fn import(recorder: &Recorder, file: &str) -> app::interchange::Imported {
    moderngov::import_meeting(recorder, &fixture(file), &options(file), CLERK, &mut quiet())
        .await
        .unwrap_or_else(|e| panic!("{file} imports: {e}"))
}

/// The event types recorded after `after`, in order.
async fn recorded_after(store: &dyn EventStore, after: Position) -> Vec<String> {
    let events = store.read_all(after, 1_000).await.expect("the log reads");
    events.iter().map(|e| format!("{} {}", e.stream_id, e.event_type)).collect()
}

async fn a_meeting_imported_again_adds_nothing(db: &TestStore) {
    let recorder = west_lindsey(db).await;
    let before = head(db.store()).await;
    let first = import(&recorder, "west-lindsey-pcc-2021-03-09.xml").await;
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
    let again = import(&recorder, "west-lindsey-pcc-2021-03-09.xml").await;
    assert_eq!((again.events, again.unchanged), (0, 3));
    assert_eq!(head(db.store()).await, after_first);
}

async fn a_later_version_records_only_what_changed(db: &TestStore) {
    let recorder = west_lindsey(db).await;
    import(&recorder, "west-lindsey-pcc-2021-03-09.xml").await;
    let before = head(db.store()).await;
    let later = import(&recorder, "west-lindsey-pcc-2021-03-09-corrected.xml").await;
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
    let error = moderngov::import_meeting(&recorder, &fixture(file), &options(file), CLERK, &mut quiet())
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
