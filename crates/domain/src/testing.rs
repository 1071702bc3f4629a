//! A given/when/then harness for aggregate tests, in the cqrs-es style: given the events already
//! in a stream (or commands that set up a whole world), when a command, then these events or this
//! error. Public, behind the `testing` feature, so that other crates' tests can state domain
//! facts the same way; the further story here runs after the seed stories, which are the
//! application's (`app::seeds`).

use kernel::{StreamId, Timestamp};

use crate::memory::Ledger;
use crate::resolution::Outcome;
use crate::translation::{Field, Language};
use crate::{
    Command, ContentHash, Context, Date, DomainError, Event, Facts, Key, OrgId, body, commitment, handle, instrument,
    meeting, organisation, resolution,
};

/// The time tests decide at unless told otherwise: noon on 1 June 2024.
pub fn default_now() -> Timestamp {
    Timestamp::parse("2024-06-01T12:00:00Z").expect("a valid fixed time")
}

/// The world before the command under test.
#[derive(Clone, Debug)]
pub struct Given {
    history: Vec<Event>,
    ledger: Ledger,
    extra_facts: Vec<(StreamId, Vec<Event>)>,
    now: Timestamp,
}

/// Given these events in the target stream.
pub fn given(history: impl IntoIterator<Item = Event>) -> Given {
    Given { history: history.into_iter().collect(), ledger: Ledger::new(), extra_facts: Vec::new(), now: default_now() }
}

/// Given a world built by running `setup` in order, each at the default time; the target stream's
/// history is whatever the setup left in it.
pub fn given_commands(setup: impl IntoIterator<Item = Command>) -> Given {
    let mut ledger = Ledger::new();
    for command in setup {
        if let Err(e) = ledger.execute(&command, default_now()) {
            panic!("setup command refused: {e}\n{command:?}");
        }
    }
    Given { history: Vec::new(), ledger, extra_facts: Vec::new(), now: default_now() }
}

impl Given {
    /// Adds another stream's events to the facts the command is decided against.
    pub fn and_stream(mut self, stream: StreamId, history: impl IntoIterator<Item = Event>) -> Self {
        self.extra_facts.push((stream, history.into_iter().collect()));
        self
    }

    /// Decides at `now` (RFC 3339 or a plain date) instead of the default time.
    pub fn at(mut self, now: &str) -> Self {
        self.now = Timestamp::parse(now).expect("a valid time");
        self
    }

    /// When this command is decided.
    pub fn when(self, command: impl Into<Command>) -> Then {
        let command = command.into();
        let stream = command.stream_id();
        let result = (|| {
            let mut facts: Facts = self.ledger.facts_for(&command)?;
            for (stream, history) in &self.extra_facts {
                facts.insert(stream, history)?;
            }
            let mut history = self.ledger.history(&stream).to_vec();
            history.extend(self.history.iter().cloned());
            handle(&history, &Context::with_facts(self.now, facts), &command)
        })();
        Then { command, result }
    }
}

/// What the command produced.
#[derive(Debug)]
pub struct Then {
    command: Command,
    result: Result<Vec<Event>, DomainError>,
}

impl Then {
    /// Then exactly these events.
    #[track_caller]
    pub fn then(self, expected: impl IntoIterator<Item = Event>) {
        let expected: Vec<Event> = expected.into_iter().collect();
        match self.result {
            Ok(events) => assert_eq!(events, expected, "events for {:?}", self.command),
            Err(e) => panic!("expected events, got error: {e}\ncommand: {:?}", self.command),
        }
    }

    /// Then an error satisfying `check`; returns its message for further checks.
    #[track_caller]
    pub fn then_error(self, check: impl FnOnce(&DomainError) -> bool) -> String {
        match self.result {
            Ok(events) => panic!("expected an error, got events: {events:?}\ncommand: {:?}", self.command),
            Err(e) => {
                assert!(check(&e), "unexpected error: {e:?}");
                let message = e.to_string();
                assert!(message.contains(": "), "message should say what to do: {message}");
                assert!(
                    message.chars().next().is_some_and(|c| !c.is_uppercase()),
                    "message should be lowercase: {message}"
                );
                message
            }
        }
    }

    /// The events, for checks of their own.
    #[track_caller]
    pub fn events(self) -> Vec<Event> {
        match self.result {
            Ok(events) => events,
            Err(e) => panic!("expected events, got error: {e}\ncommand: {:?}", self.command),
        }
    }
}

/// Parses a key in a test.
pub fn key(text: &str) -> Key {
    Key::parse(text).expect("key")
}

/// Parses an organisation id in a test.
pub fn org(text: &str) -> OrgId {
    OrgId::parse(text).expect("org")
}

/// Parses a `YYYY-MM-DD` date in a test.
pub fn date(text: &str) -> Date {
    Date::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// Commands, run after the seeds, that produce every event type the seeds do not.
pub fn further_commands() -> Vec<Command> {
    let hwb = "lincolnshire-health-and-wellbeing-board";
    let mou = "lincolnshire-housing-health-care-mou";
    let plan = "lincolnshire-hhcdg-delivery-plan";
    let action_plan = "bexley-joint-integrated-action-plan";
    vec![
        organisation::Command::Rename {
            id: org("GB-LAE-LIC"),
            name: "City of Lincoln Council (renamed)".into(),
            effective_on: date("2024-01-01"),
        }
        .into(),
        body::Command::RemoveMember { id: key(hwb), organisation: org("GB-LAE-LIC"), left_on: date("2024-01-01") }
            .into(),
        body::Command::Establish {
            id: key("lincolnshire-task-group"),
            name: "Housing Task Group".into(),
            kind: body::Kind::PartnershipGroup,
            parents: vec![org("GB-LAE-LIN")],
            members: vec![],
            established_on: date("2024-01-01"),
        }
        .into(),
        body::Command::Abolish { id: key("lincolnshire-task-group"), abolished_on: date("2024-03-01") }.into(),
        meeting::Command::Schedule {
            id: key("lincolnshire-hwb-2024-03-05"),
            body: key(hwb),
            date: date("2024-03-05"),
            title: "Health and Wellbeing Board".into(),
        }
        .into(),
        meeting::Command::Cancel { id: key("lincolnshire-hwb-2024-03-05"), reason: "Not quorate".into() }.into(),
        meeting::Command::PublishMinutes { id: key("lincolnshire-hwb-2020-12-01"), published_on: date("2020-12-10") }
            .into(),
        meeting::Command::Schedule {
            id: key("lincolnshire-hwb-2021-03-09"),
            body: key(hwb),
            date: date("2021-03-09"),
            title: "Health and Wellbeing Board".into(),
        }
        .into(),
        meeting::Command::AddAgendaItem {
            id: key("lincolnshire-hwb-2021-03-09"),
            item: "2".into(),
            title: "Minutes of the previous meeting".into(),
            minute_number: Some("2".into()),
        }
        .into(),
        meeting::Command::AddAgendaItem {
            id: key("lincolnshire-hwb-2021-03-09"),
            item: "7".into(),
            title: "Housing MOU review".into(),
            minute_number: Some("7".into()),
        }
        .into(),
        meeting::Command::Hold { id: key("lincolnshire-hwb-2021-03-09"), held_on: date("2021-03-09") }.into(),
        meeting::Command::ConfirmMinutes {
            id: key("lincolnshire-hwb-2020-12-01"),
            at_meeting: key("lincolnshire-hwb-2021-03-09"),
            minute_number: Some("2".into()),
        }
        .into(),
        resolution::Command::Record {
            id: key("lincolnshire-hwb-2021-03-09-7"),
            body: key(hwb),
            meeting: key("lincolnshire-hwb-2021-03-09"),
            agenda_item: "7".into(),
            text: "That the housing MOU be replaced by the Homes for Independence Blueprint.".into(),
            outcome: Outcome::Agreed,
            decided_on: date("2021-03-09"),
            published_on: None,
            effective_on: None,
            subject_to_call_in: true,
            exempt_under: None,
        }
        .into(),
        resolution::Command::Publish { id: key("lincolnshire-hwb-2021-03-09-7"), published_on: date("2021-03-10") }
            .into(),
        resolution::Command::CallIn {
            id: key("lincolnshire-hwb-2021-03-09-7"),
            called_in_on: date("2021-03-12"),
            by: "Five members of the board".into(),
            reason: "Partners not consulted".into(),
        }
        .into(),
        resolution::Command::RejectCallIn {
            id: key("lincolnshire-hwb-2021-03-09-7"),
            decided_on: date("2021-03-20"),
            reason: "Partners were consulted through the HHCDG".into(),
        }
        .into(),
        resolution::Command::Correct {
            id: key("lincolnshire-hwb-2021-03-09-7"),
            text: "That the housing MOU be superseded by the Homes for Independence Blueprint.".into(),
            reason: "Wording as approved at the meeting".into(),
        }
        .into(),
        resolution::Command::Supersede {
            id: key("lincolnshire-hwb-2020-12-01-homes-for-independence"),
            by_resolution: key("lincolnshire-hwb-2021-03-09-7"),
        }
        .into(),
        resolution::Command::Rescind {
            id: key("west-lindsey-pcc-2018-01-29-mou"),
            by_resolution: key("west-lindsey-pcc-2021-03-09-45"),
        }
        .into(),
        resolution::Command::Record {
            id: key("west-northamptonshire-hwb-2023-10-03-referred"),
            body: key("west-northamptonshire-hwb"),
            meeting: key("west-northamptonshire-hwb-2023-10-03"),
            agenda_item: "jhws".into(),
            text: "That the LAP funding allocation be approved.".into(),
            outcome: Outcome::Approved,
            decided_on: date("2023-10-03"),
            published_on: None,
            effective_on: None,
            subject_to_call_in: true,
            exempt_under: None,
        }
        .into(),
        resolution::Command::CallIn {
            id: key("west-northamptonshire-hwb-2023-10-03-referred"),
            called_in_on: date("2023-10-05"),
            by: "Overview and Scrutiny Committee".into(),
            reason: "Allocation method unclear".into(),
        }
        .into(),
        resolution::Command::ReferBack {
            id: key("west-northamptonshire-hwb-2023-10-03-referred"),
            decided_on: date("2023-10-12"),
            reason: "Explain the allocation method".into(),
        }
        .into(),
        instrument::Command::WithdrawParty {
            id: key(mou),
            party: org("GB-LAE-WLI"),
            withdrawn_on: date("2024-01-01"),
            reason: "Replaced by the blueprint".into(),
            resolution: None,
        }
        .into(),
        instrument::Command::Supersede {
            id: key(mou),
            by_instrument: key("lincolnshire-homes-for-independence-blueprint"),
            superseded_on: date("2024-01-01"),
        }
        .into(),
        instrument::Command::Withdraw {
            id: key(plan),
            withdrawn_on: date("2024-02-01"),
            reason: "Merged into the blueprint's own plan".into(),
            resolution: None,
        }
        .into(),
        instrument::Command::StartReview {
            id: key("bexley-jlhws-2023-2028"),
            started_on: date("2024-04-01"),
            reason: "Annual review".into(),
        }
        .into(),
        instrument::Command::Refresh {
            id: key("bexley-jlhws-2023-2028"),
            label: "2024 refresh".into(),
            content_hash: ContentHash::of(b"Bexley JLHWS 2024 refresh"),
            document: None,
            published_on: date("2024-05-01"),
            resolution: None,
        }
        .into(),
        instrument::Command::Draft {
            id: key("rotherham-ward-plans-2022-23"),
            kind: instrument::Kind::WardPlan,
            title: "Rotherham Ward Plans 2022/23 (25 wards)".into(),
            owner_body: key("rotherham-cabinet"),
            period: Some(crate::Period::new(date("2022-06-01"), date("2023-05-31")).expect("period")),
            parties: vec![],
            builds_on: None,
            drafted_on: date("2022-06-01"),
        }
        .into(),
        instrument::Command::AddParty { id: key("rotherham-ward-plans-2022-23"), party: org("GB-LAE-ROH") }.into(),
        instrument::Command::Expire { id: key("rotherham-ward-plans-2022-23"), expired_on: date("2023-06-01") }.into(),
        instrument::Command::AddObjective {
            id: key(action_plan),
            objective: key("extra"),
            title: "Extra priority".into(),
            themes: vec!["environment".into()],
        }
        .into(),
        commitment::Command::Defer {
            id: key("bexley-frailty-pathway"),
            deferred_on: date("2024-01-18"),
            until: Some(date("2024-06-30")),
            reason: "Community services recommissioning".into(),
        }
        .into(),
        commitment::Command::Resume {
            id: key("bexley-frailty-pathway"),
            resumed_on: date("2024-05-01"),
            due_on: date("2025-03-31"),
        }
        .into(),
        commitment::Command::Cancel {
            id: key("west-northamptonshire-lap-6-safe"),
            cancelled_on: date("2024-05-01"),
            reason: "Merged into the community safety partnership plan".into(),
        }
        .into(),
        // Reminders: the contact is illustrative, as is every reminder.
        organisation::Command::NameContact {
            id: org("GB-LAE-WLI"),
            name: "Housing Services".into(),
            email: "housing@west-lindsey.example".into(),
        }
        .into(),
        organisation::Command::RecordReminder {
            id: org("GB-LAE-WLI"),
            period: "2024-W23".into(),
            to: "housing@west-lindsey.example".into(),
            actions: vec![],
        }
        .into(),
        organisation::Command::OptOutOfReminders { id: org("GB-LAE-WLI") }.into(),
        organisation::Command::OptInToReminders { id: org("GB-LAE-WLI") }.into(),
        // Translations: the Welsh is illustrative; the seed papers are in English only.
        organisation::Command::Translate {
            id: org("GB-LAE-WLI"),
            field: Field::Name,
            language: Language::Cy,
            text: "Cyngor Dosbarth Gorllewin Lindsey".into(),
        }
        .into(),
        body::Command::Translate {
            id: key(hwb),
            field: Field::Name,
            language: Language::Cy,
            text: "Bwrdd Iechyd a Llesiant Swydd Lincoln".into(),
        }
        .into(),
        meeting::Command::Translate {
            id: key("lincolnshire-hwb-2021-03-09"),
            field: Field::Title,
            item: Some("7".into()),
            language: Language::Cy,
            text: "Adolygu'r memorandwm tai".into(),
        }
        .into(),
        resolution::Command::Translate {
            id: key("west-lindsey-pcc-2021-03-09-45"),
            field: Field::Text,
            language: Language::Cy,
            text: "PENDERFYNWYD bod Cyngor Dosbarth Gorllewin Lindsey yn mabwysiadu'r Glasbrint.".into(),
        }
        .into(),
        instrument::Command::Translate {
            id: key(action_plan),
            field: Field::Title,
            objective: Some(key("extra")),
            language: Language::Cy,
            text: "Blaenoriaeth ychwanegol".into(),
        }
        .into(),
        commitment::Command::Translate {
            id: key("bexley-frailty-pathway"),
            field: Field::Title,
            language: Language::Cy,
            text: "Llwybr eiddilwch".into(),
        }
        .into(),
    ]
}

/// Every event of `seeded` (the seed stories, run on streams held in memory: `app::seeds::seeded`)
/// and of the further story run after them.
pub fn corpus(seeded: Ledger) -> Vec<Event> {
    let mut ledger = seeded;
    for command in further_commands() {
        if let Err(e) = ledger.execute(&command, default_now()) {
            panic!("further command refused: {e}\n{command:?}");
        }
    }
    ledger.streams().flat_map(|(_, events)| events.iter().cloned()).collect()
}
