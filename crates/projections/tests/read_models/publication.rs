//! The publication rule: for each kind of record, whether the public may see it before and after
//! the event that publishes it, with exempt resolutions never public; and the public record of
//! the seed stories with an exempt resolution added, as decided by days before and after its
//! minutes were published.

use domain::instrument::Kind;
use domain::resolution::Outcome;
use domain::testing::{date, key, org};
use domain::values::ContentHash;
use domain::{body, commitment, indicator, instrument, meeting, resolution};
use kernel::Timestamp;
use projections::{AsOf, PublicRecord, ReadModels, Record, Rules, build_as_of, is_public};

use crate::log::{MemoryLog, Step, at, record, seed_steps};

fn fold<S: Default, E>(events: &[E], evolve: fn(S, &E) -> S) -> S {
    events.iter().fold(S::default(), evolve)
}

fn scheduled() -> meeting::Event {
    meeting::Event::Scheduled {
        id: key("west-lindsey-pcc-2021-03-09"),
        body: key("west-lindsey-prosperous-communities-committee"),
        date: date("2021-03-09"),
        title: "Prosperous Communities Committee".into(),
    }
}

fn recorded(published_on: Option<&str>, exempt_under: Option<u8>) -> resolution::Event {
    resolution::Event::Recorded {
        id: key("west-lindsey-pcc-2021-03-09-45"),
        body: key("west-lindsey-prosperous-communities-committee"),
        organisations: vec![org("GB-LAE-WLI")],
        meeting: key("west-lindsey-pcc-2021-03-09"),
        agenda_item: "45".into(),
        minute_number: Some("45".into()),
        text: "RESOLVED that West Lindsey District Council adopt and agree to work towards meeting the objectives set out within the Lincolnshire Homes for Independence Blueprint.".into(),
        outcome: Outcome::Adopted,
        decided_on: date("2021-03-09"),
        published_on: published_on.map(date),
        effective_on: None,
        subject_to_call_in: false,
        exempt_under,
    }
}

fn drafted() -> instrument::Event {
    instrument::Event::Drafted {
        id: key("lincolnshire-homes-for-independence-blueprint"),
        kind: Kind::Blueprint,
        title: "Lincolnshire Homes for Independence Blueprint".into(),
        owner_body: key("lincolnshire-health-and-wellbeing-board"),
        period: None,
        parties: vec![org("GB-LAE-WLI")],
        builds_on: None,
        drafted_on: date("2020-10-01"),
    }
}

fn version_published() -> instrument::Event {
    instrument::Event::VersionPublished {
        version: 1,
        label: "Blueprint".into(),
        content_hash: ContentHash::parse(format!("sha256:{}", "a".repeat(64))).expect("a hash"),
        document: None,
        published_on: date("2020-12-01"),
    }
}

fn endorsed() -> instrument::Event {
    instrument::Event::Endorsed {
        body: key("lincolnshire-health-and-wellbeing-board"),
        resolution: key("lincolnshire-hwb-2020-12-01-homes-for-independence"),
        endorsed_on: date("2020-12-01"),
        recommendation: None,
    }
}

fn adopted() -> instrument::Event {
    instrument::Event::Adopted {
        party: org("GB-LAE-WLI"),
        resolution: key("west-lindsey-pcc-2021-03-09-45"),
        adopted_on: date("2021-03-09"),
    }
}

fn made(towards: bool, arising: bool) -> commitment::Event {
    commitment::Event::Made {
        id: key("wldc-blueprint-delivery"),
        title: "Work towards the objectives of the Homes for Independence Blueprint".into(),
        organisation: org("GB-LAE-WLI"),
        lead: "A named officer".into(),
        towards: towards.then(|| commitment::ObjectiveRef {
            instrument: key("lincolnshire-homes-for-independence-blueprint"),
            objective: key("objective-1"),
        }),
        arising_from: arising.then(|| key("west-lindsey-pcc-2021-03-09-45")),
        body: None,
        due_on: date("2023-03-31"),
        weight: 1,
        parent: None,
        made_on: date("2021-03-09"),
    }
}

#[test]
fn a_body_and_a_meeting_are_public_once_established_and_scheduled() {
    assert!(!is_public(Record::Body(&body::State::default())));
    let established = fold(
        &[body::Event::Established {
            id: key("west-lindsey-prosperous-communities-committee"),
            name: "Prosperous Communities Committee".into(),
            kind: body::Kind::Committee,
            parents: vec![org("GB-LAE-WLI")],
            members: vec![],
            established_on: date("2018-01-01"),
        }],
        body::evolve,
    );
    assert!(is_public(Record::Body(&established)));

    assert!(!is_public(Record::Meeting(&meeting::State::default())));
    assert!(is_public(Record::Meeting(&fold(&[scheduled()], meeting::evolve))));
}

/// Every combination of the three facts a resolution's publicity depends on: the resolution
/// published, its meeting's minutes published, and the resolution exempt.
#[test]
fn a_resolution_is_public_once_it_or_its_minutes_are_published_and_never_when_exempt() {
    for published in [false, true] {
        for minutes in [false, true] {
            for exempt in [None, Some(3)] {
                let mut meeting_events = vec![scheduled(), meeting::Event::Held { held_on: date("2021-03-09") }];
                if minutes {
                    meeting_events.push(meeting::Event::MinutesPublished { published_on: date("2021-03-16") });
                }
                let m = fold(&meeting_events, meeting::evolve);
                let mut events = vec![recorded(None, exempt)];
                let before = fold(&events, resolution::evolve);
                assert_eq!(
                    is_public(Record::Resolution { resolution: &before, meeting: Some(&m) }),
                    minutes && exempt.is_none(),
                    "recorded unpublished; minutes published: {minutes}; exempt: {exempt:?}"
                );
                if published {
                    events.push(resolution::Event::Published { published_on: date("2021-03-10") });
                }
                let after = fold(&events, resolution::evolve);
                assert_eq!(
                    is_public(Record::Resolution { resolution: &after, meeting: Some(&m) }),
                    (published || minutes) && exempt.is_none(),
                    "published: {published}; minutes published: {minutes}; exempt: {exempt:?}"
                );
                let recorded_published = fold(&[recorded(Some("2021-03-09"), exempt)], resolution::evolve);
                assert_eq!(
                    is_public(Record::Resolution { resolution: &recorded_published, meeting: None }),
                    exempt.is_none(),
                    "recorded as published on the day; exempt: {exempt:?}"
                );
            }
        }
    }
    assert!(!is_public(Record::Resolution { resolution: &resolution::State::default(), meeting: None }));
}

#[test]
fn an_agenda_item_is_public_unless_a_resolution_on_it_is_exempt() {
    let open = fold(&[recorded(None, None)], resolution::evolve);
    let exempt = fold(&[recorded(Some("2021-03-09"), Some(1))], resolution::evolve);
    assert!(is_public(Record::AgendaItem { resolutions: &[] }));
    assert!(is_public(Record::AgendaItem { resolutions: &[&open] }));
    assert!(!is_public(Record::AgendaItem { resolutions: &[&exempt] }));
    assert!(!is_public(Record::AgendaItem { resolutions: &[&open, &exempt] }));
}

#[test]
fn an_instrument_is_public_once_a_version_is_published_or_a_party_adopts_it_and_not_when_only_endorsed() {
    let cases: [(&[instrument::Event], bool); 5] = [
        (&[], false),
        (&[drafted()], false),
        (&[drafted(), endorsed()], false),
        (&[drafted(), version_published()], true),
        (&[drafted(), adopted()], true),
    ];
    for (events, public) in cases {
        let state = fold(events, instrument::evolve);
        assert_eq!(is_public(Record::Instrument(&state)), public, "{events:?}");
    }
}

#[test]
fn a_commitment_and_an_indicator_are_public_once_everything_they_hang_on_is() {
    let draft = fold(&[drafted()], instrument::evolve);
    let published = fold(&[drafted(), version_published()], instrument::evolve);
    let unpublished = fold(&[recorded(None, None)], resolution::evolve);
    let decision = fold(&[recorded(Some("2021-03-09"), None)], resolution::evolve);
    let exempt = fold(&[recorded(Some("2021-03-09"), Some(3))], resolution::evolve);
    let towards = fold(&[made(true, false)], commitment::evolve);
    let arising = fold(&[made(false, true)], commitment::evolve);
    let both = fold(&[made(true, true)], commitment::evolve);
    let neither = fold(&[made(false, false)], commitment::evolve);
    let commitment = |c, i, r| is_public(Record::Commitment { commitment: c, instrument: i, resolution: r });

    assert!(!commitment(&towards, Some(&draft), None), "before the instrument is published");
    assert!(commitment(&towards, Some(&published), None), "after");
    assert!(!commitment(&arising, None, Some((&unpublished, None))), "before the resolution is published");
    assert!(commitment(&arising, None, Some((&decision, None))), "after");
    assert!(!commitment(&arising, None, Some((&exempt, None))), "arising from an exempt resolution");
    assert!(!commitment(&both, Some(&published), Some((&unpublished, None))));
    assert!(!commitment(&both, Some(&published), Some((&exempt, None))));
    assert!(commitment(&both, Some(&published), Some((&decision, None))));
    assert!(!commitment(&neither, None, None), "hangs on nothing public");
    assert!(!commitment(&commitment::State::default(), Some(&published), None), "not made");

    let defined = fold(
        &[indicator::Event::Defined {
            id: key("adaptations-completed"),
            title: "Adaptations completed within target time".into(),
            unit: "%".into(),
            polarity: indicator::Polarity::HigherIsBetter,
            owner: org("GB-LAE-WLI"),
            towards: None,
        }],
        indicator::evolve,
    );
    let indicator = |i: Option<&instrument::State>| is_public(Record::Indicator { indicator: &defined, instrument: i });
    assert!(!indicator(Some(&draft)), "before the instrument is published");
    assert!(indicator(Some(&published)), "after");
    assert!(!indicator(None), "measuring no instrument");
}

/// An exempt item at the West Lindsey meeting of 9 March 2021 and its resolution, recorded as
/// published on the day (illustrative: the papers record no exempt item).
fn exempt_steps() -> Vec<Step> {
    let item = meeting::Command::AddAgendaItem {
        id: key("west-lindsey-pcc-2021-03-09"),
        item: "52".into(),
        title: "Land at Gainsborough: terms of acquisition".into(),
        minute_number: Some("52".into()),
    };
    let command = resolution::Command::Record {
        id: key("west-lindsey-pcc-2021-03-09-exempt"),
        body: key("west-lindsey-prosperous-communities-committee"),
        meeting: key("west-lindsey-pcc-2021-03-09"),
        agenda_item: "52".into(),
        text: "RESOLVED that the terms negotiated for the acquisition of the site be approved.".into(),
        outcome: Outcome::Approved,
        decided_on: date("2021-03-09"),
        published_on: Some(date("2021-03-09")),
        effective_on: None,
        subject_to_call_in: false,
        exempt_under: Some(3),
    };
    [item.into(), command.into()]
        .into_iter()
        .map(|command| Step {
            command,
            occurred_at: at("2021-03-09"),
            recorded_at: at("2021-03-09"),
            actor: "secretariat:west-lindsey".into(),
            source: Some("illustrative".into()),
        })
        .collect()
}

async fn public_on(day: &str) -> PublicRecord {
    let mut steps = seed_steps();
    let after = steps.iter().position(|s| s.occurred_at > at("2021-03-09")).unwrap_or(steps.len());
    steps.splice(after..after, exempt_steps());
    let as_of = AsOf { decided_by: Some(Timestamp::parse_end_of(day).expect("a day")), ..AsOf::now() };
    let models: ReadModels = build_as_of(&MemoryLog(record(&steps)), as_of).await.expect("reads");
    models.public(&Rules::default(), date(day))
}

#[tokio::test]
async fn the_public_record_holds_minute_45_from_its_day_and_never_the_exempt_resolution() {
    let before = public_on("2021-03-08").await;
    let after = public_on("2021-03-10").await;
    let minute_45 = key("west-lindsey-pcc-2021-03-09-45");
    let exempt = key("west-lindsey-pcc-2021-03-09-exempt");
    assert!(!before.resolutions.iter().any(|r| r.resolution == minute_45), "not yet decided");
    assert!(after.resolutions.iter().any(|r| r.resolution == minute_45), "published on the day");
    for record in [&before, &after] {
        assert!(!record.resolutions.iter().any(|r| r.resolution == exempt));
        assert!(record.meetings.iter().all(|m| !m.resolutions.contains(&exempt)));
        let json = serde_json::to_string(record).expect("json");
        assert!(!json.contains("west-lindsey-pcc-2021-03-09-exempt"), "no trace of the exempt resolution");
        assert!(!json.contains("acquisition"), "nor of its words or its item's title");
        assert!(!json.contains("secretariat:"), "nor any actor");
        assert!(!json.contains("A named officer"));
    }
    let meeting = after.meetings.iter().find(|m| m.meeting == key("west-lindsey-pcc-2021-03-09")).expect("held");
    assert_eq!(meeting.resolutions, [minute_45], "the meeting counts only the published resolution");
    let items: Vec<&str> = meeting.agenda.iter().map(|i| i.item.as_str()).collect();
    assert_eq!(items, ["45"], "item 52 carries an exempt resolution, so the item is withheld too");
}
