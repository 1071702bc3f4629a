//! Views as of a past point: "as decided by" a date (by `occurred_at`) and "as known on" a date
//! (by `recorded_at`), built with `build_as_of` over a recorded log.

use domain::instrument::Status;
use domain::resolution::Outcome;
use domain::testing::{date, key, org};
use domain::{Key, body, instrument, meeting, resolution};
use kernel::RecordedEvent;
use projections::{AsOf, Filters, Format, ReadModels, Rules, Standing, build_as_of};

use crate::log::{MemoryLog, Step, at, record, seed_log, seed_steps};

fn blueprint() -> Key {
    key("lincolnshire-homes-for-independence-blueprint")
}

async fn board(log: Vec<RecordedEvent>, as_of: AsOf) -> ReadModels {
    build_as_of(&MemoryLog(log), as_of).await.expect("an in-memory log reads")
}

fn decided_by(day: &str) -> AsOf {
    AsOf { decided_by: Some(at(day)), ..AsOf::now() }
}

#[tokio::test]
async fn the_blueprint_is_endorsed_by_nobody_on_30_november_2020_and_by_the_board_on_2_december() {
    let rules = Rules::default();
    let west_lindsey = Filters { organisation: Some(org("GB-LAE-WLI")), ..Filters::default() };

    let before = board(seed_log(), decided_by("2020-11-30")).await;
    let on_30_november = before.status().instrument(&blueprint(), &rules, date("2020-11-30")).expect("drafted by then");
    assert_eq!(on_30_november.state, Status::Draft);
    assert!(on_30_november.endorsements.is_empty(), "{on_30_november:?}");

    let after = board(seed_log(), decided_by("2020-12-02")).await;
    let on_2_december = after.status().instrument(&blueprint(), &rules, date("2020-12-02")).expect("drafted by then");
    assert_eq!(on_2_december.state, Status::Endorsed);
    let endorsement = &on_2_december.endorsements[0];
    assert_eq!(endorsement.body_name, "Lincolnshire Health and Wellbeing Board");
    assert_eq!(endorsement.endorsed_on, date("2020-12-01"));
    assert_eq!(endorsement.resolution, key("lincolnshire-hwb-2020-12-01-homes-for-independence"));
    assert!(on_2_december.parties.iter().all(|p| p.standing == Standing::Pending));

    let text =
        |models: &ReadModels, day| models.status().view(&west_lindsey, &rules, date(day)).report().render(Format::Text);
    insta::assert_snapshot!("west_lindsey_on_30_november_2020", text(&before, "2020-11-30"));
    insta::assert_snapshot!("west_lindsey_on_2_december_2020", text(&after, "2020-12-02"));
}

/// The City of Lincoln's executive adopted the blueprint on 15 December 2020, but the secretariat
/// entered the decision only on 2 May 2023.
fn late_adoption() -> Vec<Step> {
    let executive = key("city-of-lincoln-executive");
    let meeting_key = key("city-of-lincoln-executive-2020-12-15");
    let minute = key("city-of-lincoln-executive-2020-12-15-12");
    let commands: Vec<domain::Command> = vec![
        body::Command::Establish {
            id: executive.clone(),
            name: "Executive".into(),
            kind: body::Kind::Cabinet,
            parents: vec![org("GB-LAE-LIC")],
            members: vec![],
            established_on: date("2020-01-01"),
        }
        .into(),
        meeting::Command::Schedule {
            id: meeting_key.clone(),
            body: executive.clone(),
            date: date("2020-12-15"),
            title: "Executive".into(),
        }
        .into(),
        meeting::Command::AddAgendaItem {
            id: meeting_key.clone(),
            item: "12".into(),
            title: "Lincolnshire Homes for Independence Blueprint".into(),
            minute_number: Some("12".into()),
        }
        .into(),
        meeting::Command::Hold { id: meeting_key.clone(), held_on: date("2020-12-15") }.into(),
        resolution::Command::Record {
            id: minute.clone(),
            body: executive,
            meeting: meeting_key,
            agenda_item: "12".into(),
            text: "RESOLVED that the City of Lincoln Council adopt the Lincolnshire Homes for Independence Blueprint."
                .into(),
            outcome: Outcome::Adopted,
            decided_on: date("2020-12-15"),
            published_on: None,
            effective_on: None,
            subject_to_call_in: false,
            exempt_under: None,
        }
        .into(),
        instrument::Command::Adopt {
            id: blueprint(),
            party: org("GB-LAE-LIC"),
            resolution: minute,
            adopted_on: date("2020-12-15"),
        }
        .into(),
    ];
    commands
        .into_iter()
        .map(|command| Step {
            command,
            occurred_at: at("2020-12-15"),
            recorded_at: at("2023-05-02"),
            actor: "secretariat:city-of-lincoln".into(),
            source: Some("City of Lincoln Executive, 15 December 2020, minute 12 (illustrative)".into()),
        })
        .collect()
}

/// The seed log with the late adoption recorded where it was entered: on 2 May 2023.
fn log_with_late_adoption() -> Vec<RecordedEvent> {
    let mut steps = seed_steps();
    let entered = at("2023-05-02");
    let at_index = steps.iter().position(|s| s.recorded_at > entered).unwrap_or(steps.len());
    steps.splice(at_index..at_index, late_adoption());
    record(&steps)
}

fn lincoln(models: &ReadModels, today: &str) -> Standing {
    let status = models.status().instrument(&blueprint(), &Rules::default(), date(today)).expect("drafted");
    status.parties.into_iter().find(|p| p.organisation == org("GB-LAE-LIC")).expect("a party").standing
}

#[tokio::test]
async fn a_decision_recorded_late_changes_decided_by_history_but_not_what_was_known_in_2022() {
    let adopted =
        Standing::Adopted { on: date("2020-12-15"), resolution: Some(key("city-of-lincoln-executive-2020-12-15-12")) };

    let decided_by_2020 = board(log_with_late_adoption(), decided_by("2020-12-31")).await;
    assert_eq!(lincoln(&decided_by_2020, "2020-12-31"), adopted, "as decided by the end of 2020, knowing everything");
    let without_it = board(seed_log(), decided_by("2020-12-31")).await;
    assert_eq!(lincoln(&without_it, "2020-12-31"), Standing::Pending, "the same history before it was entered");

    let known_in_2022 = AsOf { known_on: Some(at("2022-12-31")), ..AsOf::now() };
    let as_known = board(log_with_late_adoption(), known_in_2022).await;
    assert_eq!(lincoln(&as_known, "2022-12-31"), Standing::Pending, "not known on 2022-12-31");
    let both = AsOf { known_on: Some(at("2022-12-31")), decided_by: Some(at("2020-12-31")), position: None };
    assert_eq!(lincoln(&board(log_with_late_adoption(), both).await, "2020-12-31"), Standing::Pending);
    let as_known_without = board(seed_log(), known_in_2022).await;
    assert_eq!(
        as_known.status().view(&Filters::default(), &Rules::default(), date("2022-12-31")),
        as_known_without.status().view(&Filters::default(), &Rules::default(), date("2022-12-31")),
        "the view as known on 2022-12-31 is the one from before the late entry"
    );

    let now = board(log_with_late_adoption(), AsOf::now()).await;
    assert_eq!(lincoln(&now, "2024-06-01"), adopted);
}

#[tokio::test]
async fn the_integrated_care_board_takes_the_commissioning_group_s_place_on_1_july_2022_and_not_before() {
    let (ccg, icb) = (org("GB-NHS-71E"), org("GB-NHS-QJM"));
    let board_key = key("lincolnshire-health-and-wellbeing-board");
    let party = |models: &ReadModels, today: &str| {
        let status = models.status().instrument(&blueprint(), &Rules::default(), date(today)).expect("drafted");
        status.parties.into_iter().find(|p| p.organisation == ccg || p.organisation == icb).expect("the NHS party")
    };
    let seats = |models: &ReadModels| {
        let board = models.bodies().find(|b| b.id.as_ref() == Some(&board_key)).expect("the board").clone();
        board.memberships.into_iter().filter(|m| m.organisation == ccg || m.organisation == icb).collect::<Vec<_>>()
    };

    let before = board(seed_log(), decided_by("2022-06-30")).await;
    let on_30_june = party(&before, "2022-06-30");
    assert_eq!((on_30_june.organisation.clone(), on_30_june.successor_to.clone()), (ccg.clone(), None));
    assert_eq!(on_30_june.described(), "NHS Lincolnshire Clinical Commissioning Group");
    assert_eq!(
        seats(&before),
        vec![body::Membership { organisation: ccg.clone(), joined_on: date("2018-01-01"), left_on: None }]
    );

    let after = board(seed_log(), decided_by("2022-07-01")).await;
    let on_1_july = party(&after, "2022-07-01");
    assert_eq!(on_1_july.standing, Standing::Pending, "the obligation passes still pending");
    assert_eq!(
        on_1_july.described(),
        "NHS Lincolnshire Integrated Care Board (successor to NHS Lincolnshire Clinical Commissioning Group)"
    );
    assert_eq!(
        seats(&after),
        vec![
            body::Membership {
                organisation: ccg.clone(),
                joined_on: date("2018-01-01"),
                left_on: Some(date("2022-07-01"))
            },
            body::Membership { organisation: icb.clone(), joined_on: date("2022-07-01"), left_on: None },
        ]
    );
    let detail = after.status().instrument(&blueprint(), &Rules::default(), date("2022-07-01")).expect("drafted");
    let text: String = detail.reports().iter().map(|r| r.render(Format::Text)).collect();
    assert!(
        text.contains(
            "NHS Lincolnshire Integrated Care Board (successor to NHS Lincolnshire Clinical Commissioning Group)"
        ),
        "{text}"
    );
}
