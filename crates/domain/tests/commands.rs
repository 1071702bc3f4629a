//! Every command, given the world the seed stories build, is accepted and emits its event; and
//! commands read and write the documented JSON shape.

use std::collections::BTreeMap;

use app::seeds;
use domain::testing::default_now;
use domain::{Command, codec};

/// Each command, by `aggregate.command`, and the event it emits.
const COMMAND_EVENTS: &[(&str, &str)] = &[
    ("organisation.register", "OrganisationRegistered"),
    ("organisation.rename", "OrganisationRenamed"),
    ("organisation.succeed", "OrganisationSucceeded"),
    ("organisation.translate", "OrganisationTranslated"),
    ("organisation.dissolve", "OrganisationDissolved"),
    ("organisation.name_contact", "OrganisationContactNamed"),
    ("organisation.opt_out_of_reminders", "OrganisationRemindersOptedOut"),
    ("organisation.opt_in_to_reminders", "OrganisationRemindersOptedIn"),
    ("organisation.record_reminder", "OrganisationReminded"),
    ("body.establish", "BodyEstablished"),
    ("body.add_member", "BodyMemberJoined"),
    ("body.remove_member", "BodyMemberLeft"),
    ("body.abolish", "BodyAbolished"),
    ("body.translate", "BodyTranslated"),
    ("meeting.schedule", "MeetingScheduled"),
    ("meeting.add_agenda_item", "MeetingAgendaItemAdded"),
    ("meeting.hold", "MeetingHeld"),
    ("meeting.cancel", "MeetingCancelled"),
    ("meeting.publish_minutes", "MeetingMinutesPublished"),
    ("meeting.confirm_minutes", "MeetingMinutesConfirmed"),
    ("meeting.translate", "MeetingTranslated"),
    ("resolution.record", "ResolutionRecorded"),
    ("resolution.publish", "ResolutionPublished"),
    ("resolution.call_in", "ResolutionCalledIn"),
    ("resolution.reject_call_in", "ResolutionCallInRejected"),
    ("resolution.refer_back", "ResolutionReferredBack"),
    ("resolution.correct", "ResolutionCorrected"),
    ("resolution.rescind", "ResolutionRescinded"),
    ("resolution.supersede", "ResolutionSuperseded"),
    ("resolution.translate", "ResolutionTranslated"),
    ("instrument.draft", "InstrumentDrafted"),
    ("instrument.publish_version", "InstrumentVersionPublished"),
    ("instrument.add_objective", "InstrumentObjectiveAdded"),
    ("instrument.add_party", "InstrumentPartyAdded"),
    ("instrument.open_consultation", "InstrumentConsultationOpened"),
    ("instrument.close_consultation", "InstrumentConsultationClosed"),
    ("instrument.endorse", "InstrumentEndorsed"),
    ("instrument.adopt", "InstrumentAdopted"),
    ("instrument.sign", "InstrumentSigned"),
    ("instrument.withdraw_party", "InstrumentPartyWithdrew"),
    ("instrument.succeed_party", "InstrumentPartySucceeded"),
    ("instrument.start_delivery", "InstrumentDeliveryStarted"),
    ("instrument.start_review", "InstrumentReviewStarted"),
    ("instrument.refresh", "InstrumentRefreshed"),
    ("instrument.supersede", "InstrumentSuperseded"),
    ("instrument.expire", "InstrumentExpired"),
    ("instrument.withdraw", "InstrumentWithdrawn"),
    ("instrument.translate", "InstrumentTranslated"),
    ("commitment.make", "CommitmentMade"),
    ("commitment.add_milestone", "CommitmentMilestoneAdded"),
    ("commitment.reach_milestone", "CommitmentMilestoneReached"),
    ("commitment.reschedule", "CommitmentRescheduled"),
    ("commitment.report_progress", "CommitmentProgressReported"),
    ("commitment.complete", "CommitmentCompleted"),
    ("commitment.defer", "CommitmentDeferred"),
    ("commitment.resume", "CommitmentResumed"),
    ("commitment.cancel", "CommitmentCancelled"),
    ("commitment.transfer", "CommitmentTransferred"),
    ("commitment.translate", "CommitmentTranslated"),
    ("indicator.define", "IndicatorDefined"),
    ("indicator.set_baseline", "IndicatorBaselineSet"),
    ("indicator.set_target", "IndicatorTargetSet"),
    ("indicator.record_measurement", "IndicatorMeasured"),
    ("indicator.revise_measurement", "IndicatorMeasurementRevised"),
];

fn name_of(command: &Command) -> String {
    let json = serde_json::to_value(command).expect("json");
    format!("{}.{}", json["aggregate"].as_str().expect("aggregate"), json["command"].as_str().expect("command"))
}

#[test]
fn every_command_is_accepted_and_emits_its_event() {
    let mut ledger = domain::memory::Ledger::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let steps = seeds::stories().into_iter().flat_map(|s| s.steps).map(|s| (s.command, s.occurred_at));
    let further = domain::testing::further_commands().into_iter().map(|c| (c, default_now()));
    for (command, now) in steps.chain(further) {
        let executed = ledger.execute_traced(&command, now).expect("accepted");
        assert_eq!(executed.events.len(), 1, "{command:?}");
        let (event_type, _, _) = codec::encode(&executed.events[0]).expect("encodes");
        seen.insert(name_of(&command), event_type.to_string());
        // The ledger runs what a succession causes itself: `commitment.transfer`,
        // `body.remove_member`, `body.add_member` and `instrument.succeed_party`.
        for (_, caused) in &executed.caused {
            let (event_type, _, _) = codec::encode(caused).expect("encodes");
            let (command, _) = COMMAND_EVENTS
                .iter()
                .find(|(_, e)| *e == event_type.as_str())
                .unwrap_or_else(|| panic!("no command emits {event_type}"));
            seen.insert((*command).to_owned(), event_type.to_string());
        }
    }
    let expected: BTreeMap<String, String> =
        COMMAND_EVENTS.iter().map(|(c, e)| ((*c).to_owned(), (*e).to_owned())).collect();
    assert_eq!(seen, expected);
}

#[test]
fn commands_read_the_documented_json_shape() {
    let json = r#"{"aggregate":"instrument","command":"adopt","id":"lincolnshire-homes-for-independence-blueprint","party":"GB-LAE-WLI","resolution":"west-lindsey-pcc-2021-03-09-45","adopted_on":"2021-03-09"}"#;
    let command: Command = serde_json::from_str(json).expect("parses");
    assert_eq!(command.stream_id().as_str(), "instrument-lincolnshire-homes-for-independence-blueprint");
    let refs: Vec<String> = command.references().iter().map(ToString::to_string).collect();
    assert_eq!(refs, ["organisation-GB-LAE-WLI", "resolution-west-lindsey-pcc-2021-03-09-45"]);
    let back: Command = serde_json::from_value(serde_json::to_value(&command).expect("json")).expect("parses");
    assert_eq!(back, command);
}

#[test]
fn commands_with_unknown_fields_or_bad_ids_are_refused() {
    let typo = r#"{"aggregate":"organisation","command":"dissolve","id":"GB-LAE-WLI","efective_on":"2021-04-01"}"#;
    assert!(serde_json::from_str::<Command>(typo).is_err());
    let bad_id = r#"{"aggregate":"organisation","command":"dissolve","id":"West Lindsey","effective_on":"2021-04-01"}"#;
    let err = serde_json::from_str::<Command>(bad_id).expect_err("bad id").to_string();
    assert!(err.contains("org-id style"), "{err}");
}
