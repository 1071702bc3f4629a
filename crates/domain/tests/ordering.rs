//! No event happens before what it depends on: each ordering rule as a given/when/then test,
//! refusing with both dates named.

use domain::ids::{body_stream, organisation_stream, resolution_stream};
use domain::rag::Rag;
use domain::resolution::Outcome;
use domain::testing::{date, default_now, given, key, org};
use domain::{
    ContentHash, DomainError, Event, body, commitment, indicator, instrument, meeting, organisation, resolution,
};
use kernel::Timestamp;

fn registered(id: &str) -> Vec<Event> {
    vec![
        organisation::Event::Registered {
            id: org(id),
            name: "West Lindsey District Council".into(),
            kind: organisation::Kind::LocalAuthority,
            identifiers: Vec::new(),
        }
        .into(),
    ]
}

fn established(id: &str) -> Vec<Event> {
    vec![
        body::Event::Established {
            id: key(id),
            name: "Prosperous Communities Committee".into(),
            kind: body::Kind::Committee,
            parents: vec![org("GB-LAE-WLI")],
            members: Vec::new(),
            established_on: date("2015-01-01"),
        }
        .into(),
    ]
}

/// A resolution of `body`, binding West Lindsey, with `outcome`, decided on `decided_on`.
fn decided(id: &str, body: &str, outcome: Outcome, decided_on: &str) -> Vec<Event> {
    vec![
        resolution::Event::Recorded {
            id: key(id),
            body: key(body),
            organisations: vec![org("GB-LAE-WLI")],
            meeting: key("a-meeting"),
            agenda_item: "7".into(),
            minute_number: Some("45".into()),
            text: "RESOLVED that the blueprint be adopted".into(),
            outcome,
            decided_on: date(decided_on),
            published_on: None,
            effective_on: None,
            subject_to_call_in: false,
            exempt_under: None,
        }
        .into(),
    ]
}

/// A blueprint drafted with West Lindsey as a party and its first version published.
fn blueprint() -> Vec<Event> {
    vec![
        instrument::Event::Drafted {
            id: key("blueprint"),
            kind: instrument::Kind::Blueprint,
            title: "Homes for Independence Blueprint".into(),
            owner_body: key("board"),
            period: None,
            parties: vec![org("GB-LAE-WLI")],
            builds_on: None,
            drafted_on: date("2020-11-20"),
        }
        .into(),
        instrument::Event::VersionPublished {
            version: 1,
            label: "Final".into(),
            content_hash: ContentHash::of(b"blueprint"),
            document: None,
            published_on: date("2020-11-20"),
        }
        .into(),
    ]
}

#[test]
fn an_endorsement_cannot_come_before_the_resolution_that_authorises_it() {
    let message = given(blueprint())
        .and_stream(
            resolution_stream(&key("board-2020-12-01")),
            decided("board-2020-12-01", "board", Outcome::Endorsed, "2020-12-01"),
        )
        .when(instrument::Command::Endorse {
            id: key("blueprint"),
            body: key("board"),
            resolution: key("board-2020-12-01"),
            endorsed_on: date("2020-11-30"),
            recommendation: None,
        })
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::ResolutionAfterAct { .. })));
    assert!(message.contains("2020-12-01") && message.contains("2020-11-30"), "{message}");
}

#[test]
fn an_adoption_cannot_come_before_the_endorsement() {
    let mut history = blueprint();
    history.push(
        instrument::Event::Endorsed {
            body: key("board"),
            resolution: key("board-2020-12-01"),
            endorsed_on: date("2020-12-01"),
            recommendation: None,
        }
        .into(),
    );
    let adopt = |adopted_on: &str| instrument::Command::Adopt {
        id: key("blueprint"),
        party: org("GB-LAE-WLI"),
        resolution: key("pcc-2020-11-25"),
        adopted_on: date(adopted_on),
    };
    let world =
        given(history).and_stream(organisation_stream(&org("GB-LAE-WLI")), registered("GB-LAE-WLI")).and_stream(
            resolution_stream(&key("pcc-2020-11-25")),
            decided("pcc-2020-11-25", "pcc", Outcome::Adopted, "2020-11-25"),
        );
    let message = world
        .clone()
        .when(adopt("2020-11-25"))
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::BeforeEndorsement { .. })));
    assert_eq!(
        message,
        "adoption on 2020-11-25 is before the endorsement on 2020-12-01: an instrument is adopted only once endorsed; check the dates"
    );
    // On the day of the endorsement or after, the same adoption is accepted.
    assert_eq!(world.when(adopt("2020-12-01")).events().len(), 1);
}

fn made_on(made: &str, arising_from: Option<&str>) -> commitment::Command {
    commitment::Command::Make {
        id: key("dfg-fast-track"),
        title: "Fast-track Disabled Facilities Grant adaptations".into(),
        organisation: org("GB-LAE-WLI"),
        lead: "Housing Services Manager".into(),
        towards: None,
        arising_from: arising_from.map(key),
        due_on: date("2022-03-31"),
        weight: 1,
        parent: None,
        made_on: date(made),
    }
}

#[test]
fn a_commitment_cannot_be_made_before_the_resolution_it_arises_from() {
    let message = given([])
        .and_stream(organisation_stream(&org("GB-LAE-WLI")), registered("GB-LAE-WLI"))
        .and_stream(
            resolution_stream(&key("pcc-2021-03-09")),
            decided("pcc-2021-03-09", "pcc", Outcome::Agreed, "2021-03-09"),
        )
        .when(made_on("2021-03-01", Some("pcc-2021-03-09")))
        .then_error(|e| matches!(e, DomainError::Commitment(commitment::Error::BeforeResolution { .. })));
    assert!(message.contains("made on 2021-03-01") && message.contains("decided later on 2021-03-09"), "{message}");
}

#[test]
fn progress_cannot_be_reported_before_the_commitment_was_made() {
    let made = commitment::Event::Made {
        id: key("dfg-fast-track"),
        title: "Fast-track Disabled Facilities Grant adaptations".into(),
        organisation: org("GB-LAE-WLI"),
        lead: "Housing Services Manager".into(),
        towards: None,
        arising_from: Some(key("pcc-2021-03-09")),
        body: Some(key("pcc")),
        due_on: date("2022-03-31"),
        weight: 1,
        parent: None,
        made_on: date("2021-04-01"),
    };
    let report = |reported_on: &str| commitment::Command::ReportProgress {
        id: key("dfg-fast-track"),
        status: Rag::Green,
        percent_complete: 10,
        narrative: "Referral route agreed".into(),
        evidence_refs: Vec::new(),
        period: commitment::ReportingPeriod { label: "2020/21 Q4".into(), from: None, to: None },
        reported_on: date(reported_on),
    };
    let message = given([made.clone().into()])
        .when(report("2021-03-15"))
        .then_error(|e| matches!(e, DomainError::Commitment(commitment::Error::BeforeMade { .. })));
    assert_eq!(
        message,
        "progress report on 2021-03-15 is before the commitment was made on 2021-04-01: check the dates"
    );
    assert_eq!(given([made.into()]).when(report("2021-04-01")).events().len(), 1);
}

#[test]
fn a_resolution_cannot_be_decided_before_its_meeting() {
    let meeting = vec![
        meeting::Event::Scheduled {
            id: key("pcc-2021-03-09"),
            body: key("pcc"),
            date: date("2021-03-09"),
            title: "Prosperous Communities Committee".into(),
        }
        .into(),
        meeting::Event::AgendaItemAdded {
            item: "7".into(),
            title: "Blueprint".into(),
            minute_number: Some("45".into()),
        }
        .into(),
        meeting::Event::Held { held_on: date("2021-03-09") }.into(),
    ];
    let message = given([])
        .and_stream(body_stream(&key("pcc")), established("pcc"))
        .and_stream(domain::ids::meeting_stream(&key("pcc-2021-03-09")), meeting)
        .when(resolution::Command::Record {
            id: key("pcc-2021-03-09-45"),
            body: key("pcc"),
            meeting: key("pcc-2021-03-09"),
            agenda_item: "7".into(),
            text: "RESOLVED that the blueprint be adopted".into(),
            outcome: Outcome::Adopted,
            decided_on: date("2021-03-08"),
            published_on: None,
            effective_on: None,
            subject_to_call_in: false,
            exempt_under: None,
        })
        .then_error(|e| matches!(e, DomainError::Resolution(resolution::Error::DateNotMeeting { .. })));
    assert!(message.contains("2021-03-08") && message.contains("2021-03-09"), "{message}");
}

#[test]
fn a_reading_cannot_be_revised_or_taken_as_baseline_before_its_own_date() {
    let day = |text: &str| Timestamp::parse(text).expect("a time");
    let revise: domain::Command = indicator::Command::ReviseMeasurement {
        id: key("dfg-completions"),
        as_of: date("2022-03-31"),
        value: 114.0,
        reason: "Three completions signed off after the provisional return".into(),
    }
    .into();
    let error = domain::when::occurred_at(&revise, Some(day("2022-03-30")), default_now()).expect_err("too early");
    assert_eq!(
        error.to_string(),
        "a revision of the reading as of 2022-03-31 cannot have happened on 2022-03-30, before the reading's own date: leave out occurred_at, or give a date on or after 2022-03-31"
    );
    let baseline: domain::Command = indicator::Command::SetBaseline {
        id: key("dfg-completions"),
        value: 96.0,
        as_of: date("2021-03-31"),
        source: "West Lindsey DFG return 2020/21".into(),
    }
    .into();
    let error = domain::when::occurred_at(&baseline, Some(day("2021-01-01")), default_now()).expect_err("too early");
    assert!(error.to_string().starts_with("a baseline as of 2021-03-31 cannot have happened on 2021-01-01"), "{error}");
    assert_eq!(domain::when::occurred_at(&baseline, None, default_now()), Ok(default_now()));
}

/// Rotherham's ward plans, drafted with no version published yet.
fn ward_plans() -> Vec<Event> {
    vec![
        instrument::Event::Drafted {
            id: key("rotherham-ward-plans-2023-24"),
            kind: instrument::Kind::WardPlan,
            title: "Rotherham Ward Plans 2023/24 (25 wards)".into(),
            owner_body: key("rotherham-cabinet"),
            period: None,
            parties: vec![org("GB-LAE-ROH")],
            builds_on: None,
            drafted_on: date("2023-06-01"),
        }
        .into(),
    ]
}

fn start_delivery(id: &str, started_on: &str) -> instrument::Command {
    instrument::Command::StartDelivery { id: key(id), started_on: date(started_on) }
}

#[test]
fn a_ward_plan_is_delivered_once_published_and_not_before() {
    let unpublished = given(ward_plans())
        .when(start_delivery("rotherham-ward-plans-2023-24", "2023-06-01"))
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::WrongStage(..))));
    assert!(unpublished.contains("a ward plan, once a version of it is published"), "{unpublished}");

    let mut published = ward_plans();
    published.push(
        instrument::Event::VersionPublished {
            version: 1,
            label: "2023/24".into(),
            content_hash: ContentHash::of(b"Rotherham Ward Plans 2023/24"),
            document: None,
            published_on: date("2023-06-01"),
        }
        .into(),
    );
    let early = given(published.clone())
        .when(start_delivery("rotherham-ward-plans-2023-24", "2023-05-31"))
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::OutOfOrder { .. })));
    assert_eq!(early, "delivery start of a ward plan on 2023-05-31 is before 2023-06-01: check the dates");
    assert_eq!(
        given(published).when(start_delivery("rotherham-ward-plans-2023-24", "2023-06-01")).events(),
        vec![instrument::Event::DeliveryStarted { started_on: date("2023-06-01") }.into()]
    );
}

#[test]
fn any_other_instrument_is_delivered_only_once_endorsed_even_when_published() {
    let message = given(blueprint())
        .when(start_delivery("blueprint", "2020-12-01"))
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::WrongStage(..))));
    assert!(message.contains("delivery starts once the instrument is endorsed"), "{message}");
}
