//! The rules users rely on, each as a given/when/then test: given a world (seed stories or events),
//! when a command, then the events or the typed error whose message says what to do.

use app::seeds;
use domain::rag::Rag;
use domain::resolution::Outcome;
use domain::testing::{date, key, org};
use domain::testing::{given, given_commands};
use domain::{Command, Date, DomainError, Event, commitment, indicator, instrument, meeting, organisation, resolution};

fn lincolnshire() -> Vec<Command> {
    seeds::lincolnshire().steps.into_iter().map(|s| s.command).collect()
}

fn blueprint_commands_until(stop_before: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for c in lincolnshire() {
        if format!("{c:?}").contains(stop_before) {
            break;
        }
        out.push(c);
    }
    out
}

fn adopt_blueprint(party: &str, resolution: &str) -> instrument::Command {
    instrument::Command::Adopt {
        id: key("lincolnshire-homes-for-independence-blueprint"),
        party: org(party),
        resolution: key(resolution),
        adopted_on: date("2021-03-09"),
    }
}

#[test]
fn nothing_is_adopted_that_was_never_endorsed() {
    // Everything up to the board's endorsement of the blueprint, but not the endorsement itself.
    let mut setup = blueprint_commands_until("lincolnshire-hwb-2020-12-01");
    setup.retain(|c| !matches!(c, Command::Instrument(instrument::Command::Endorse { id, .. }) if id.as_str() == "lincolnshire-homes-for-independence-blueprint"));
    let message = given_commands(setup)
        .when(adopt_blueprint("GB-LAE-WLI", "west-lindsey-pcc-2018-01-29-mou"))
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::NeverEndorsed)));
    assert!(message.contains("record the endorsement"), "{message}");
}

#[test]
fn nothing_is_adopted_once_withdrawn() {
    let mut setup = blueprint_commands_until("west-lindsey-pcc-2021-03-09");
    setup.push(
        instrument::Command::Withdraw {
            id: key("lincolnshire-homes-for-independence-blueprint"),
            withdrawn_on: date("2021-01-15"),
            reason: "Replaced".into(),
            resolution: None,
        }
        .into(),
    );
    setup.extend(lincolnshire().into_iter().filter(|c| {
        let text = format!("{c:?}");
        text.contains("west-lindsey-pcc-2021-03-09") && matches!(c, Command::Meeting(_) | Command::Resolution(_))
    }));
    given_commands(setup)
        .when(adopt_blueprint("GB-LAE-WLI", "west-lindsey-pcc-2021-03-09-45"))
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::Closed(instrument::Status::Withdrawn))));
}

#[test]
fn an_adoption_must_cite_an_existing_resolution_with_a_matching_outcome() {
    let setup = blueprint_commands_until("west-lindsey-pcc-2021-03-09");
    given_commands(setup.clone())
        .when(adopt_blueprint("GB-LAE-WLI", "no-such-resolution"))
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::UnknownResolution(_))));
    // The board's endorsement has the outcome "endorsed", which does not authorise an adoption.
    let message = given_commands(setup.clone())
        .when(adopt_blueprint("GB-LAE-LIN", "lincolnshire-hwb-2020-12-01-homes-for-independence"))
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::OutcomeMismatch { .. })));
    assert!(message.contains("cite the resolution that did"), "{message}");
    assert!(message.contains("the outcome 'endorsed', which does not authorise an adoption"), "{message}");
}

#[test]
fn an_adoption_must_cite_the_partys_own_resolution() {
    let mut setup: Vec<Command> = lincolnshire()
        .into_iter()
        .take_while(|c| !matches!(c, Command::Instrument(instrument::Command::Adopt { .. })))
        .collect();
    setup.retain(|c| !matches!(c, Command::Instrument(instrument::Command::Adopt { .. })));
    given_commands(setup)
        .when(adopt_blueprint("GB-LAE-LIC", "west-lindsey-pcc-2021-03-09-45"))
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::ResolutionOfOtherParty { .. })));
}

#[test]
fn an_mou_party_cannot_sign_twice() {
    let setup = blueprint_commands_until("lincolnshire-homes-for-independence-blueprint");
    let message = given_commands(setup)
        .when(instrument::Command::Sign {
            id: key("lincolnshire-housing-health-care-mou"),
            party: org("GB-LAE-WLI"),
            resolution: key("west-lindsey-pcc-2018-01-29-mou"),
            signed_on: date("2018-02-01"),
            signatory: "Chief Executive".into(),
        })
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::AlreadySigned(_))));
    assert!(message.contains("cannot sign twice"), "{message}");
}

#[test]
fn an_mou_party_cannot_withdraw_before_signing() {
    let setup = blueprint_commands_until("lincolnshire-homes-for-independence-blueprint");
    given_commands(setup)
        .when(instrument::Command::WithdrawParty {
            id: key("lincolnshire-housing-health-care-mou"),
            party: org("GB-LAE-LIC"),
            withdrawn_on: date("2018-03-01"),
            reason: "No longer participating".into(),
            resolution: None,
        })
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::NotSigned(_))));
}

#[test]
fn a_signed_party_can_withdraw_and_then_sign_again() {
    let setup = blueprint_commands_until("lincolnshire-homes-for-independence-blueprint");
    let withdraw = instrument::Command::WithdrawParty {
        id: key("lincolnshire-housing-health-care-mou"),
        party: org("GB-LAE-WLI"),
        withdrawn_on: date("2019-03-01"),
        reason: "Council review".into(),
        resolution: None,
    };
    let mut world = setup.clone();
    world.push(withdraw.clone().into());
    given_commands(setup).when(withdraw).then([Event::Instrument(instrument::Event::PartyWithdrew {
        party: org("GB-LAE-WLI"),
        withdrawn_on: date("2019-03-01"),
        reason: "Council review".into(),
        resolution: None,
    })]);
    given_commands(world)
        .when(instrument::Command::Sign {
            id: key("lincolnshire-housing-health-care-mou"),
            party: org("GB-LAE-WLI"),
            resolution: key("west-lindsey-pcc-2018-01-29-mou"),
            signed_on: date("2019-04-01"),
            signatory: "Chief Executive".into(),
        })
        .events();
}

fn progress_on(id: &str) -> commitment::Command {
    commitment::Command::ReportProgress {
        id: key(id),
        status: Rag::Green,
        percent_complete: 100,
        narrative: "More work".into(),
        evidence_refs: vec![],
        period: commitment::ReportingPeriod { label: "2023/24 Q1".into(), from: None, to: None },
        reported_on: date("2023-06-30"),
    }
}

#[test]
fn a_commitment_keeps_its_latest_report_and_the_latest_day_reported_on() {
    let report = |percent: u8, on: &str| commitment::Event::ProgressReported {
        status: Rag::Amber,
        percent_complete: percent,
        narrative: format!("{percent}% done"),
        evidence_refs: vec![],
        period: commitment::ReportingPeriod { label: "2023/24".into(), from: None, to: None },
        reported_on: date(on),
    };
    // The third report, recorded last, is dated before the second.
    let reports = [report(40, "2023-09-30"), report(60, "2023-12-31"), report(55, "2023-11-30")];
    let state = reports.iter().fold(commitment::State::default(), commitment::evolve);
    assert_eq!(state.latest.as_ref().map(|p| p.narrative.as_str()), Some("55% done"), "the last recorded");
    assert_eq!(state.percent_complete(), 55);
    assert_eq!(state.last_reported_on, Some(date("2023-12-31")), "the latest day, whatever the order");
}

#[test]
fn no_progress_on_a_completed_commitment() {
    let message = given_commands(lincolnshire()).when(progress_on("hhcdg-dfg-fast-track")).then_error(|e| {
        matches!(e, DomainError::Commitment(commitment::Error::NotOpen(commitment::Status::Completed)))
    });
    assert!(message.starts_with("commitment is completed: "), "states are named in words: {message}");
}

#[test]
fn no_progress_on_a_cancelled_commitment() {
    let mut setup = lincolnshire();
    setup.push(
        commitment::Command::Cancel {
            id: key("hhcdg-specialist-housing-evidence"),
            cancelled_on: date("2023-05-01"),
            reason: "Superseded by the ICB's housing needs work".into(),
        }
        .into(),
    );
    let message = given_commands(setup).when(progress_on("hhcdg-specialist-housing-evidence")).then_error(|e| {
        matches!(e, DomainError::Commitment(commitment::Error::NotOpen(commitment::Status::Cancelled)))
    });
    assert!(message.contains("only be recorded on an open commitment"), "{message}");
}

#[test]
fn a_correction_needs_a_reason_and_keeps_the_original_wording() {
    let id = key("west-lindsey-pcc-2021-03-09-45");
    let original = "RESOLVED that West Lindsey District Council adopt and agree to work towards meeting the objectives set out within the Lincolnshire Homes for Independence Blueprint.";
    let corrected = "RESOLVED that West Lindsey District Council adopt, and agree to work towards meeting, the objectives set out within the Lincolnshire Homes for Independence Blueprint.";
    given_commands(lincolnshire())
        .when(resolution::Command::Correct { id: id.clone(), text: corrected.into(), reason: "  ".into() })
        .then_error(|e| matches!(e, DomainError::Resolution(resolution::Error::MissingReason(_))));
    given_commands(lincolnshire())
        .when(resolution::Command::Correct {
            id: id.clone(),
            text: corrected.into(),
            reason: "Punctuation as approved".into(),
        })
        .then([Event::Resolution(resolution::Event::Corrected {
            previous_text: original.into(),
            text: corrected.into(),
            reason: "Punctuation as approved".into(),
        })]);
    let mut world = domain::memory::Ledger::new();
    for step in seeds::lincolnshire().steps {
        world.execute(&step.command, step.occurred_at).expect("seed");
    }
    world
        .execute(
            &resolution::Command::Correct { id: id.clone(), text: corrected.into(), reason: "Punctuation".into() }
                .into(),
            domain::testing::default_now(),
        )
        .expect("corrected");
    let state = &world.all_facts().expect("facts").resolutions[&id];
    assert_eq!(state.text, corrected);
    assert_eq!(state.corrections, vec![(original.to_owned(), "Punctuation".to_owned())]);
}

#[test]
fn a_resolution_decided_next_year_is_rejected() {
    let message = given_commands(before_resolutions())
        .at("2018-01-28")
        .when(record_the_mou(date("2019-01-29"), None))
        .then_error(|e| matches!(e, DomainError::Resolution(resolution::Error::InFuture { .. })));
    assert!(message.contains("is in the future"), "{message}");
}

#[test]
fn future_readings_and_meetings_are_rejected() {
    given_commands(lincolnshire())
        .at("2023-06-01")
        .when(indicator::Command::RecordMeasurement {
            id: key("west-lindsey-dfg-completions"),
            value: 150.0,
            as_of: date("2024-03-31"),
            note: None,
        })
        .then_error(|e| matches!(e, DomainError::Indicator(indicator::Error::InFuture { .. })));
    given_commands(lincolnshire())
        .at("2023-06-01")
        .when(meeting::Command::Schedule {
            id: key("lincolnshire-hwb-2024-12-01"),
            body: key("lincolnshire-health-and-wellbeing-board"),
            date: date("2024-12-01"),
            title: "Health and Wellbeing Board".into(),
        })
        .events();
}

#[test]
fn a_successor_inherits_its_predecessors_open_commitments() {
    let mut ledger = domain::memory::Ledger::new();
    for step in seeds::lincolnshire().steps {
        if matches!(&step.command, Command::Organisation(organisation::Command::Register { id, .. }) if id.as_str() == "GB-NHS-QJM")
        {
            break;
        }
        ledger.execute(&step.command, step.occurred_at).expect("seed");
    }
    let now = domain::testing::default_now();
    ledger
        .execute(
            &organisation::Command::Register {
                id: org("GB-NHS-QJM"),
                name: "NHS Lincolnshire Integrated Care Board".into(),
                kind: organisation::Kind::IntegratedCareBoard,
                identifiers: vec![],
            }
            .into(),
            now,
        )
        .expect("register");
    let executed = ledger
        .execute_traced(
            &organisation::Command::Succeed {
                id: org("GB-NHS-71E"),
                successor: org("GB-NHS-QJM"),
                effective_on: date("2022-07-01"),
            }
            .into(),
            now,
        )
        .expect("succeed");
    let transferred: Vec<&str> = executed
        .caused
        .iter()
        .filter(|(_, event)| matches!(event, Event::Commitment(commitment::Event::Transferred { .. })))
        .map(|(stream, _)| stream.as_str())
        .collect();
    assert_eq!(transferred, ["commitment-hhcdg-discharge-housing-support"], "{:?}", executed.caused);
    let facts = ledger.all_facts().expect("facts");
    let pending = commitment::succession_transfers(
        &org("GB-NHS-71E"),
        &org("GB-NHS-QJM"),
        date("2022-07-01"),
        facts.commitments.values(),
    );
    assert!(pending.is_empty(), "the succession transferred every open commitment: {pending:?}");
    let facts = ledger.all_facts().expect("facts");
    let inherited: Vec<_> = facts.commitments.values().filter(|c| c.organisation == Some(org("GB-NHS-QJM"))).collect();
    assert_eq!(inherited.len(), 1);
    assert!(inherited.iter().all(|c| c.is_open()));
}

#[test]
fn a_transfer_needs_a_recorded_succession() {
    given_commands(lincolnshire())
        .when(commitment::Command::Transfer {
            id: key("hhcdg-specialist-housing-evidence"),
            from: org("GB-LAE-LIN"),
            to: org("GB-LAE-WLI"),
            effective_on: date("2023-01-01"),
        })
        .then_error(|e| matches!(e, DomainError::Commitment(commitment::Error::NotSuccessor { .. })));
}

#[test]
fn a_dissolved_organisation_takes_no_new_commitments() {
    given_commands(lincolnshire())
        .when(commitment::Command::Make {
            id: key("ccg-new-action"),
            title: "New action".into(),
            organisation: org("GB-NHS-71E"),
            lead: "Director".into(),
            towards: Some(commitment::ObjectiveRef {
                instrument: key("lincolnshire-hhcdg-delivery-plan"),
                objective: key("adaptations"),
            }),
            arising_from: None,
            due_on: date("2024-01-01"),
            weight: 1,
            parent: None,
            made_on: date("2023-01-01"),
        })
        .then_error(|e| matches!(e, DomainError::Commitment(commitment::Error::UnknownOrganisation(_))));
}

#[test]
fn minutes_are_confirmed_only_at_a_later_meeting_of_the_same_body() {
    let mut setup = lincolnshire();
    setup.push(
        meeting::Command::PublishMinutes { id: key("west-lindsey-pcc-2018-01-29"), published_on: date("2018-02-05") }
            .into(),
    );
    given_commands(setup.clone())
        .when(meeting::Command::ConfirmMinutes {
            id: key("west-lindsey-pcc-2018-01-29"),
            at_meeting: key("lincolnshire-hwb-2020-12-01"),
            minute_number: None,
        })
        .then_error(|e| matches!(e, DomainError::Meeting(meeting::Error::NotALaterMeeting(_))));
    given_commands(setup)
        .when(meeting::Command::ConfirmMinutes {
            id: key("west-lindsey-pcc-2018-01-29"),
            at_meeting: key("west-lindsey-pcc-2021-03-09"),
            minute_number: None,
        })
        .then([Event::Meeting(meeting::Event::MinutesConfirmed {
            at_meeting: key("west-lindsey-pcc-2021-03-09"),
            confirmed_on: date("2021-03-09"),
            minute_number: None,
        })]);
}

#[test]
fn a_command_sent_to_another_aggregates_stream_is_refused() {
    let stray = Event::Organisation(organisation::Event::Dissolved { effective_on: date("2020-01-01") });
    given([stray])
        .when(resolution::Command::Publish { id: key("x"), published_on: date("2020-01-01") })
        .then_error(|e| matches!(e, DomainError::WrongAggregate { .. }));
}

#[test]
fn a_succession_passes_seats_and_pending_obligations_to_the_successor() {
    use domain::memory::Ledger;
    use domain::{body, ids};
    let mut ledger = Ledger::new();
    for step in seeds::lincolnshire().steps {
        let succession = matches!(step.command, Command::Organisation(organisation::Command::Succeed { .. }));
        let executed = ledger.execute_traced(&step.command, step.occurred_at).expect("accepted");
        if !succession {
            continue;
        }
        let (ccg, icb, on) = (org("GB-NHS-71E"), org("GB-NHS-QJM"), date("2022-07-01"));
        let caused: Vec<&Event> = executed.caused.iter().map(|(_, e)| e).collect();
        // The board seat: the CCG's membership ends on the day and the ICB's begins.
        assert!(caused.contains(&&Event::Body(body::Event::MemberLeft { organisation: ccg.clone(), left_on: on })));
        assert!(caused.contains(&&Event::Body(body::Event::MemberJoined { organisation: icb.clone(), joined_on: on })));
        // The CCG's adoption still pending passes to the ICB.
        assert!(caused.iter().any(|e| matches!(e,
            Event::Instrument(instrument::Event::PartySucceeded { predecessor, successor, effective_on })
                if *predecessor == ccg && *successor == icb && *effective_on == on)));
        let board = ids::body_stream(&key("lincolnshire-health-and-wellbeing-board"));
        let state = ledger.history(&board).iter().filter_map(Event::body).fold(body::State::default(), body::evolve);
        assert!(state.members.contains(&icb) && !state.members.contains(&ccg), "{:?}", state.members);
        return;
    }
    panic!("the Lincolnshire story records no succession");
}

#[test]
fn only_a_pending_obligation_passes_and_only_to_the_recorded_successor() {
    let mut setup: Vec<Command> = lincolnshire()
        .into_iter()
        .take_while(|c| !matches!(c, Command::Organisation(organisation::Command::Succeed { .. })))
        .filter(|c| !matches!(c, Command::Organisation(organisation::Command::Register { id, .. }) if id.as_str() == "GB-NHS-QJM"))
        .collect();
    let blueprint = key("lincolnshire-homes-for-independence-blueprint");
    // West Lindsey adopted the blueprint by minute 45: its act stands.
    let settled = given_commands(setup.clone())
        .when(instrument::Command::SucceedParty {
            id: blueprint.clone(),
            predecessor: org("GB-LAE-WLI"),
            successor: org("GB-LAE-LIN"),
            effective_on: date("2022-07-01"),
        })
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::ObligationSettled(_))));
    assert!(settled.contains("only an obligation still pending passes to a successor"), "{settled}");
    // The CCG's obligation is pending, but nothing succeeded it yet.
    setup.push(Command::Organisation(organisation::Command::Register {
        id: org("GB-NHS-QJM"),
        name: "NHS Lincolnshire Integrated Care Board".into(),
        kind: organisation::Kind::IntegratedCareBoard,
        identifiers: Vec::new(),
    }));
    let unrecorded = given_commands(setup)
        .when(instrument::Command::SucceedParty {
            id: blueprint,
            predecessor: org("GB-NHS-71E"),
            successor: org("GB-NHS-QJM"),
            effective_on: date("2022-07-01"),
        })
        .then_error(|e| matches!(e, DomainError::Instrument(instrument::Error::NotSuccessor { .. })));
    assert!(unrecorded.contains("record the succession on GB-NHS-71E first"), "{unrecorded}");
}

#[test]
fn an_exemption_schedule_12a_does_not_have_is_rejected() {
    let message = given_commands(before_resolutions())
        .at("2018-01-29")
        .when(record_the_mou(date("2018-01-29"), Some(8)))
        .then_error(|e| matches!(e, DomainError::Resolution(resolution::Error::NoSuchExemption(8))));
    assert!(message.contains("paragraphs 1 to 7"), "{message}");
}

/// The Lincolnshire story's commands up to its first resolution.
fn before_resolutions() -> Vec<Command> {
    lincolnshire().into_iter().take_while(|c| !matches!(c, Command::Resolution(_))).collect()
}

/// West Lindsey's committee recording that it endorsed the MOU, decided on `decided_on` and
/// exempt from publication under `exempt_under`.
fn record_the_mou(decided_on: Date, exempt_under: Option<u8>) -> resolution::Command {
    resolution::Command::Record {
        id: key("west-lindsey-pcc-2018-01-29-mou"),
        body: key("west-lindsey-prosperous-communities-committee"),
        meeting: key("west-lindsey-pcc-2018-01-29"),
        agenda_item: "mou".into(),
        text: "That the MOU be endorsed.".into(),
        outcome: Outcome::Endorsed,
        decided_on,
        published_on: None,
        effective_on: None,
        subject_to_call_in: false,
        exempt_under,
    }
}

fn reminded(period: &str) -> Event {
    Event::Organisation(organisation::Event::Reminded {
        period: period.into(),
        to: "housing@west-lindsey.example".into(),
        actions: vec![],
    })
}

fn remind(period: &str) -> organisation::Command {
    organisation::Command::RecordReminder {
        id: org("GB-LAE-WLI"),
        period: period.into(),
        to: "housing@west-lindsey.example".into(),
        actions: vec![key("wl-housing-action")],
    }
}

fn district() -> [Event; 2] {
    [
        Event::Organisation(organisation::Event::Registered {
            id: org("GB-LAE-WLI"),
            name: "West Lindsey District Council".into(),
            kind: organisation::Kind::LocalAuthority,
            identifiers: vec![],
        }),
        Event::Organisation(organisation::Event::ContactNamed {
            name: "Housing Services".into(),
            email: "housing@west-lindsey.example".into(),
        }),
    ]
}

#[test]
fn a_period_has_one_reminder_and_an_opt_out_stops_them() {
    let [registered, contact] = district();
    given([registered.clone(), contact.clone()]).when(remind("2026-W49")).then([Event::Organisation(
        organisation::Event::Reminded {
            period: "2026-W49".into(),
            to: "housing@west-lindsey.example".into(),
            actions: vec![key("wl-housing-action")],
        },
    )]);
    let message = given([registered.clone(), contact.clone(), reminded("2026-W49")])
        .when(remind("2026-W49"))
        .then_error(|e| matches!(e, DomainError::Organisation(organisation::Error::AlreadyReminded { .. })));
    assert_eq!(message, "organisation GB-LAE-WLI was already reminded for 2026-W49: a period has one reminder");
    given([registered.clone(), contact.clone(), reminded("2026-W49")])
        .when(remind("2026-W48"))
        .then_error(|e| matches!(e, DomainError::Organisation(organisation::Error::AlreadyReminded { .. })));
    given([registered.clone(), contact.clone(), reminded("2026-W49")]).when(remind("2026-W50")).then([
        Event::Organisation(organisation::Event::Reminded {
            period: "2026-W50".into(),
            to: "housing@west-lindsey.example".into(),
            actions: vec![key("wl-housing-action")],
        }),
    ]);
    let opted_out = Event::Organisation(organisation::Event::RemindersOptedOut {});
    given([registered.clone(), contact.clone(), opted_out.clone()])
        .when(remind("2026-W49"))
        .then_error(|e| matches!(e, DomainError::Organisation(organisation::Error::OptedOut(_))));
    given([registered.clone(), contact.clone(), opted_out.clone()])
        .when(organisation::Command::OptOutOfReminders { id: org("GB-LAE-WLI") })
        .then_error(|e| matches!(e, DomainError::Organisation(organisation::Error::AlreadyOptedOut(_))));
    given([registered.clone(), contact, opted_out, Event::Organisation(organisation::Event::RemindersOptedIn {})])
        .when(remind("2026-W49"))
        .then([Event::Organisation(organisation::Event::Reminded {
            period: "2026-W49".into(),
            to: "housing@west-lindsey.example".into(),
            actions: vec![key("wl-housing-action")],
        })]);
    given([registered])
        .when(remind("2026-W49"))
        .then_error(|e| matches!(e, DomainError::Organisation(organisation::Error::NoContact(_))));
}

#[test]
fn a_contact_needs_an_email_address_and_a_reminder_an_iso_week() {
    let [registered, contact] = district();
    for bad in ["housing", "housing@", "@west-lindsey.gov.uk", "housing @west-lindsey.gov.uk", "a@b@c.uk", "x@nodot"] {
        let message = given([registered.clone()])
            .when(organisation::Command::NameContact {
                id: org("GB-LAE-WLI"),
                name: "Housing".into(),
                email: bad.into(),
            })
            .then_error(|e| matches!(e, DomainError::Organisation(organisation::Error::NotAnEmail(_))));
        assert!(message.contains("housing@west-lindsey.gov.uk"), "{message}");
    }
    given([registered.clone()])
        .when(organisation::Command::NameContact { id: org("GB-LAE-WLI"), name: " ".into(), email: "a@b.uk".into() })
        .then_error(|e| matches!(e, DomainError::Organisation(organisation::Error::EmptyContactName)));
    for bad in ["2026-49", "W49-2026", "2026-W4", "2026-12-01"] {
        given([registered.clone(), contact.clone()])
            .when(remind(bad))
            .then_error(|e| matches!(e, DomainError::Organisation(organisation::Error::NotAPeriod(_))));
    }
}
