//! A national store's governance log, generated for benchmarks and tests at scale: many places,
//! each with four partner organisations, a health and wellbeing board and a district committee,
//! a joint strategy the board endorses and every partner adopts under a resolution, a delivery
//! plan building on it, commitments towards the objectives of both (the plan's parent action
//! towards the strategy, with actions below it), and a monthly progress report of about 300 bytes
//! on every open action, year after year, with an annual review adding actions. Places start in
//! turn over the first two years, and their events interleave day by day as a national store
//! would receive them, so one instrument's history is a small fraction of the log.
//!
//! Events are made directly as encoded domain events, in an order the domain rules accept, without
//! deciding commands, so that a million are made in seconds. Everything but event and correlation
//! ids is a function of the number of events asked for.

use std::collections::{HashMap, VecDeque};

use domain::commitment::{ObjectiveRef, ReportingPeriod};
use domain::rag::Rag;
use domain::resolution::Outcome;
use domain::{
    ContentHash, Date, Event, Key, OrgId, Period, body, codec, commitment, instrument, meeting, organisation,
    resolution,
};
use kernel::{AppendError, AppendRequest, EventId, EventStore, Expected, Metadata, NewEvent, StreamAppend, StreamId};
use uuid::Uuid;

/// About how many events one place adds over the six years a log of this size spans.
const EVENTS_PER_PLACE: usize = 1_000;
/// The first month of the log.
const START_YEAR: i32 = 2019;
/// Places start one a month, in turn, over this many months.
const STAGGER: usize = 24;
/// Months from a plan's approval to its annual review.
const REVIEW_EVERY: usize = 12;

const PLACES: [&str; 24] = [
    "Ashfield",
    "Barnsley",
    "Calderdale",
    "Dacorum",
    "Eastleigh",
    "Fenland",
    "Gedling",
    "Halton",
    "Ipswich",
    "Kirklees",
    "Lewes",
    "Mendip",
    "Newark",
    "Oldham",
    "Pendle",
    "Redcar",
    "Sefton",
    "Tameside",
    "Uttlesford",
    "Wakefield",
    "Wirral",
    "Wyre",
    "Yeovil",
    "Zennor",
];

const STRATEGY_OBJECTIVES: [(&str, &str); 4] = [
    ("start-well", "Give every child the best start in life"),
    ("live-well", "Help people live well and stay independent for longer"),
    ("age-well", "Support people to age well in their own homes"),
    ("fair-places", "Reduce the gap in healthy life expectancy between neighbourhoods"),
];

const PLAN_OBJECTIVES: [(&str, &str); 3] = [
    ("homes", "Homes that support health and independence"),
    ("prevention", "Prevention and early help in every neighbourhood"),
    ("joined-up-care", "Joined-up care when people leave hospital"),
];

const ACTIONS: [&str; 12] = [
    "Fast-track Disabled Facilities Grant adaptations",
    "Place housing link workers in hospital discharge hubs",
    "Commission a falls prevention service for over-65s",
    "Publish a needs assessment for specialist and supported housing",
    "Extend social prescribing to every primary care network",
    "Run a warm homes programme for households in fuel poverty",
    "Open family hubs in the three most deprived wards",
    "Agree a shared hospital discharge protocol with the acute trust",
    "Train frontline staff in making every contact count",
    "Deliver a smoking cessation offer in routine maternity care",
    "Set up a joint homelessness prevention panel",
    "Launch a digital inclusion scheme for older residents",
];

const NARRATIVES: [&str; 6] = [
    "Referrals triaged within ten working days; two posts filled and the backlog cleared in the north of the district.",
    "Partners agreed the shared pathway at the delivery group; data sharing agreement signed by all four organisations.",
    "Delivery slowed by vacancies in the occupational therapy team; agency cover agreed and recovery plan in place.",
    "Pilot evaluated with residents; findings taken to the board and roll-out agreed for the remaining wards.",
    "Procurement completed on time; new provider mobilised and first referrals received this month.",
    "Spend on track against the grant allocation; case reviews completed and the next milestone agreed with leads.",
];

/// What a generated log holds, to choose what to ask of it.
#[derive(Clone, Debug)]
pub struct GeneratedLog {
    pub events: usize,
    /// Every instrument drafted, strategies and plans, in the order drafted.
    pub instruments: Vec<Key>,
    /// The first and the last day anything happened.
    pub first: Date,
    pub last: Date,
}

/// Generates a log of exactly `events` events and appends it to `store` in appends of `batch`
/// (at most the store's 10,000), each stream's events in one `StreamAppend` per append.
pub async fn record_governance_log(
    store: &dyn EventStore,
    events: usize,
    batch: usize,
) -> Result<GeneratedLog, AppendError> {
    let mut log = GovernanceLog::new(events);
    let mut streams: Vec<StreamAppend> = Vec::new();
    let mut index: HashMap<StreamId, usize> = HashMap::new();
    let mut pending = 0;
    for (stream_id, event) in log.by_ref() {
        let at = *index.entry(stream_id.clone()).or_insert_with(|| {
            streams.push(StreamAppend { stream_id, expected: Expected::Any, events: Vec::new() });
            streams.len() - 1
        });
        streams[at].events.push(event);
        pending += 1;
        if pending == batch {
            store.append(AppendRequest { streams: std::mem::take(&mut streams) }).await?;
            index.clear();
            pending = 0;
        }
    }
    if pending > 0 {
        store.append(AppendRequest { streams }).await?;
    }
    Ok(log.summary())
}

/// The events of the log in the order they are recorded, with their streams.
#[derive(Debug)]
pub struct GovernanceLog {
    target: usize,
    emitted: usize,
    month: usize,
    places: Vec<Place>,
    ready: VecDeque<(StreamId, NewEvent)>,
    instruments: Vec<Key>,
    last: Option<Date>,
}

impl GovernanceLog {
    /// A log of `events` events, from as many places as it takes to span about six years.
    pub fn new(events: usize) -> Self {
        let places = (0..(events / EVENTS_PER_PLACE).max(1)).map(Place::new).collect();
        Self {
            target: events,
            emitted: 0,
            month: 0,
            places,
            ready: VecDeque::new(),
            instruments: Vec::new(),
            last: None,
        }
    }

    /// What the events made so far hold.
    pub fn summary(&self) -> GeneratedLog {
        let first = day_of(0, 1);
        GeneratedLog {
            events: self.emitted,
            instruments: self.instruments.clone(),
            first,
            last: self.last.unwrap_or(first),
        }
    }

    /// Makes the events of the next month, every place's in turn, and orders them by day.
    fn make_month(&mut self) {
        let mut month: Vec<Made> = Vec::new();
        for place in &mut self.places {
            if let Some(relative) = self.month.checked_sub(place.start) {
                let mut out = Out { month: self.month, day: place.day, events: &mut month };
                place.month(relative, &mut out);
            }
        }
        // Stable: each place keeps its own order within a day.
        month.sort_by_key(|made| made.day);
        for made in month {
            if let Event::Instrument(instrument::Event::Drafted { id, .. }) = &made.event {
                self.instruments.push(id.clone());
            }
            self.last = Some(self.last.map_or(made.day, |d| d.max(made.day)));
            self.ready.push_back((made.stream, made.encoded));
        }
        self.month += 1;
    }
}

impl Iterator for GovernanceLog {
    type Item = (StreamId, NewEvent);

    fn next(&mut self) -> Option<Self::Item> {
        if self.emitted == self.target {
            return None;
        }
        while self.ready.is_empty() {
            self.make_month();
        }
        self.emitted += 1;
        self.ready.pop_front()
    }
}

/// One event made, before it is ordered into the month.
struct Made {
    day: Date,
    stream: StreamId,
    event: Event,
    encoded: NewEvent,
}

/// Where a place's events for one month go.
struct Out<'a> {
    month: usize,
    day: u32,
    events: &'a mut Vec<Made>,
}

impl Out<'_> {
    fn date(&self) -> Date {
        day_of(self.month, self.day)
    }

    /// Adds `event` to `stream` with `metadata`'s actor and source; `cause` is the event that
    /// caused it, whose id becomes its causation and whose correlation it shares. Returns the
    /// new event's id and correlation, to cite as a cause.
    fn emit(
        &mut self,
        stream: StreamId,
        event: impl Into<Event>,
        actor: &str,
        source: &str,
        cause: Option<Cause>,
    ) -> Cause {
        let event = event.into();
        let (event_type, schema_version, payload) = codec::encode(&event).expect("a generated event encodes");
        let day = self.date();
        let occurred_at = kernel::Timestamp::from_datetime(day.and_hms_opt(10, 0, 0).expect("a valid time").and_utc());
        let mut metadata = Metadata { source: Some(source.to_owned()), ..Metadata::new(actor, occurred_at) };
        if let Some(cause) = cause {
            metadata.causation_id = Some(cause.event.0);
            metadata.correlation_id = cause.correlation;
        }
        let event_id = EventId::new();
        let made = Cause { event: event_id, correlation: metadata.correlation_id };
        let encoded = NewEvent { event_id, event_type, schema_version, payload, metadata };
        self.events.push(Made { day, stream, event, encoded });
        made
    }
}

/// An event cited as the cause of others.
#[derive(Clone, Copy, Debug)]
struct Cause {
    event: EventId,
    correlation: Uuid,
}

/// One place's partnership and where its delivery stands.
#[derive(Debug)]
struct Place {
    name: String,
    slug: String,
    /// The month the place's first event happens.
    start: usize,
    /// The day of the month its events happen on.
    day: u32,
    county: OrgId,
    district: OrgId,
    icb: OrgId,
    cvs: OrgId,
    board: Key,
    committee: Key,
    strategy: Key,
    plan: Key,
    /// The plan's parent action, towards the strategy.
    parent: Option<Key>,
    /// The resolution approving the plan or its latest review: what new actions arise from.
    plan_resolution: Option<(Key, Cause)>,
    actions: Vec<Action>,
}

#[derive(Debug)]
struct Action {
    key: Key,
    made: usize,
    due: usize,
    rescheduled: bool,
    /// The parent action: reports quarterly and never completes, its due date moving on a year
    /// at a time.
    is_parent: bool,
    open: bool,
}

impl Place {
    fn new(n: usize) -> Self {
        let base = PLACES[n % PLACES.len()];
        let name = if n < PLACES.len() { base.to_owned() } else { format!("{base} {}", n / PLACES.len() + 1) };
        let slug = name.to_lowercase().replace(' ', "-");
        let org =
            |scheme: &str, letter: &str| OrgId::parse(format!("{scheme}-{letter}{n:05}")).expect("a valid org id");
        let key = |suffix: &str| Key::parse(format!("{slug}-{suffix}")).expect("a valid key");
        Self {
            start: n % STAGGER,
            day: 1 + (n % 28) as u32,
            county: org("GB-LAE", "C"),
            district: org("GB-LAE", "D"),
            icb: org("GB-NHS", "Q"),
            cvs: org("GB-CHC", "V"),
            board: key("health-and-wellbeing-board"),
            committee: key("communities-committee"),
            strategy: key("joint-health-and-wellbeing-strategy"),
            plan: key("delivery-plan"),
            parent: None,
            plan_resolution: None,
            actions: Vec::new(),
            name,
            slug,
        }
    }

    fn secretariat(&self) -> String {
        format!("secretariat@{}.gov.uk", self.slug)
    }

    fn parties(&self) -> Vec<OrgId> {
        vec![self.county.clone(), self.district.clone(), self.icb.clone(), self.cvs.clone()]
    }

    /// The place's events in its `relative`-th month.
    fn month(&mut self, relative: usize, out: &mut Out<'_>) {
        match relative {
            0 => self.set_up(out),
            1 => self.endorse_strategy(out),
            2 => self.adopt_strategy(out),
            3 => self.approve_plan(out),
            _ => {
                if (relative - 3) % REVIEW_EVERY == 0 {
                    self.review_plan(out, 1 + (relative - 3) / REVIEW_EVERY);
                }
                self.report(out);
            }
        }
    }

    fn set_up(&mut self, out: &mut Out<'_>) {
        let actor = self.secretariat();
        let source = "organisation registers and the board's terms of reference";
        let name = &self.name;
        let day = out.date();
        for (id, org_name, kind) in [
            (&self.county, format!("{name} County Council"), organisation::Kind::LocalAuthority),
            (&self.district, format!("{name} District Council"), organisation::Kind::LocalAuthority),
            (&self.icb, format!("NHS {name} Integrated Care Board"), organisation::Kind::IntegratedCareBoard),
            (&self.cvs, format!("{name} Council for Voluntary Service"), organisation::Kind::VoluntaryCommunity),
        ] {
            let event = organisation::Event::Registered { id: id.clone(), name: org_name, kind, identifiers: vec![] };
            out.emit(domain::ids::organisation_stream(id), event, &actor, source, None);
        }
        let board = body::Event::Established {
            id: self.board.clone(),
            name: format!("{name} Health and Wellbeing Board"),
            kind: body::Kind::Board,
            parents: vec![self.county.clone()],
            members: self.parties(),
            established_on: day,
        };
        out.emit(domain::ids::body_stream(&self.board), board, &actor, source, None);
        let committee = body::Event::Established {
            id: self.committee.clone(),
            name: "Communities Committee".into(),
            kind: body::Kind::Committee,
            parents: vec![self.district.clone()],
            members: vec![],
            established_on: day,
        };
        out.emit(domain::ids::body_stream(&self.committee), committee, &actor, source, None);
        let title = format!("{name} Joint Health and Wellbeing Strategy");
        self.draft(out, &self.strategy, instrument::Kind::Strategy, &title, self.parties(), None, 60);
        for (objective, objective_title) in STRATEGY_OBJECTIVES {
            let event = instrument::Event::ObjectiveAdded {
                objective: Key::parse(objective).expect("a valid key"),
                title: objective_title.into(),
                themes: vec!["health inequalities".into()],
            };
            out.emit(domain::ids::instrument_stream(&self.strategy), event, &actor, &title, None);
        }
    }

    /// Drafts an instrument of the board and publishes its first version.
    #[expect(clippy::too_many_arguments, reason = "one argument per field of the draft")]
    fn draft(
        &self,
        out: &mut Out<'_>,
        id: &Key,
        kind: instrument::Kind,
        title: &str,
        parties: Vec<OrgId>,
        builds_on: Option<Key>,
        months: usize,
    ) {
        let actor = self.secretariat();
        let stream = domain::ids::instrument_stream(id);
        let day = out.date();
        let end = day_of(out.month + months, 1).pred_opt().expect("a valid date");
        let drafted = instrument::Event::Drafted {
            id: id.clone(),
            kind,
            title: title.into(),
            owner_body: self.board.clone(),
            period: Some(Period::new(day, end).expect("a period that runs forwards")),
            parties,
            builds_on,
            drafted_on: day,
        };
        out.emit(stream.clone(), drafted, &actor, title, None);
        let label = format!("{title}, {}", day.format("%Y"));
        let version = instrument::Event::VersionPublished {
            version: 1,
            content_hash: ContentHash::of(label.as_bytes()),
            label,
            document: None,
            published_on: day,
        };
        out.emit(stream, version, &actor, title, None);
    }

    /// Schedules and holds a meeting of `body` with one agenda item, and records its resolution.
    fn resolve(
        &self,
        out: &mut Out<'_>,
        body: &Key,
        parent: &OrgId,
        item: &str,
        outcome: Outcome,
        text: String,
    ) -> (Key, Cause) {
        let actor = self.secretariat();
        let day = out.date();
        let meeting = Key::parse(format!("{body}-{}", day.format("%Y-%m-%d"))).expect("a valid key");
        let source = format!("minutes of the meeting of {}", day.format("%-d %B %Y"));
        let meeting_stream = domain::ids::meeting_stream(&meeting);
        let scheduled =
            meeting::Event::Scheduled { id: meeting.clone(), body: body.clone(), date: day, title: "Meeting".into() };
        out.emit(meeting_stream.clone(), scheduled, &actor, &source, None);
        let agenda = meeting::Event::AgendaItemAdded {
            item: item.into(),
            title: text.chars().take(60).collect(),
            minute_number: Some(item.into()),
        };
        out.emit(meeting_stream.clone(), agenda, &actor, &source, None);
        out.emit(meeting_stream, meeting::Event::Held { held_on: day }, &actor, &source, None);
        let id = Key::parse(format!("{meeting}-{item}")).expect("a valid key");
        let recorded = resolution::Event::Recorded {
            id: id.clone(),
            body: body.clone(),
            organisations: vec![parent.clone()],
            meeting,
            agenda_item: item.into(),
            minute_number: Some(item.into()),
            text,
            outcome,
            decided_on: day,
            published_on: Some(day),
            effective_on: None,
            subject_to_call_in: false,
            exempt_under: None,
        };
        let cause = out.emit(domain::ids::resolution_stream(&id), recorded, &actor, &source, None);
        (id, cause)
    }

    fn endorse_strategy(&mut self, out: &mut Out<'_>) {
        let text = format!(
            "That the {} Joint Health and Wellbeing Strategy be endorsed and commended to partners for adoption.",
            self.name
        );
        let (resolution, cause) = self.resolve(out, &self.board, &self.county, "6", Outcome::Endorsed, text);
        let actor = self.secretariat();
        let source = "board minute 6";
        let day = out.date();
        let stream = domain::ids::instrument_stream(&self.strategy);
        let endorsed = instrument::Event::Endorsed {
            body: self.board.clone(),
            resolution: resolution.clone(),
            endorsed_on: day,
            recommendation: Some("that partners adopt the strategy through their own decision making".into()),
        };
        out.emit(stream.clone(), endorsed, &actor, source, Some(cause));
        for party in [&self.county, &self.icb, &self.cvs] {
            let adopted =
                instrument::Event::Adopted { party: party.clone(), resolution: resolution.clone(), adopted_on: day };
            out.emit(stream.clone(), adopted, &actor, source, Some(cause));
        }
    }

    fn adopt_strategy(&mut self, out: &mut Out<'_>) {
        let text = format!("RESOLVED that the Council adopt the {} Joint Health and Wellbeing Strategy.", self.name);
        let (resolution, cause) = self.resolve(out, &self.committee, &self.district, "12", Outcome::Adopted, text);
        let actor = self.secretariat();
        let day = out.date();
        let stream = domain::ids::instrument_stream(&self.strategy);
        let adopted = instrument::Event::Adopted { party: self.district.clone(), resolution, adopted_on: day };
        out.emit(stream.clone(), adopted, &actor, "committee minute 12", Some(cause));
        out.emit(stream, instrument::Event::DeliveryStarted { started_on: day }, &actor, "committee minute 12", None);
    }

    fn approve_plan(&mut self, out: &mut Out<'_>) {
        let actor = self.secretariat();
        let title = format!("{} Health and Wellbeing Delivery Plan", self.name);
        let parties = vec![self.county.clone(), self.district.clone(), self.icb.clone()];
        self.draft(out, &self.plan, instrument::Kind::ActionPlan, &title, parties, Some(self.strategy.clone()), 72);
        let stream = domain::ids::instrument_stream(&self.plan);
        for (objective, objective_title) in PLAN_OBJECTIVES {
            let event = instrument::Event::ObjectiveAdded {
                objective: Key::parse(objective).expect("a valid key"),
                title: objective_title.into(),
                themes: vec!["prevention".into()],
            };
            out.emit(stream.clone(), event, &actor, &title, None);
        }
        let text = format!("That the {title} be approved, with the actions, leads and dates set out in the appendix.");
        let (resolution, cause) = self.resolve(out, &self.board, &self.county, "8", Outcome::Approved, text);
        let day = out.date();
        let endorsed = instrument::Event::Endorsed {
            body: self.board.clone(),
            resolution: resolution.clone(),
            endorsed_on: day,
            recommendation: None,
        };
        out.emit(stream.clone(), endorsed, &actor, "board minute 8", Some(cause));
        for party in [&self.county, &self.icb] {
            let adopted =
                instrument::Event::Adopted { party: party.clone(), resolution: resolution.clone(), adopted_on: day };
            out.emit(stream.clone(), adopted, &actor, "board minute 8", Some(cause));
        }
        out.emit(stream, instrument::Event::DeliveryStarted { started_on: day }, &actor, "board minute 8", None);
        self.plan_resolution = Some((resolution, cause));
        let parent = Key::parse(format!("{}-deliver-the-plan", self.slug)).expect("a valid key");
        let towards = ObjectiveRef {
            instrument: self.strategy.clone(),
            objective: Key::parse("live-well").expect("a valid key"),
        };
        self.commit(
            out,
            parent.clone(),
            "Deliver the health and wellbeing delivery plan".into(),
            towards,
            None,
            36,
            true,
        );
        self.parent = Some(parent);
        self.add_actions(out, 9);
        for n in 0..6 {
            let (objective, _) = STRATEGY_OBJECTIVES[n % STRATEGY_OBJECTIVES.len()];
            let towards = ObjectiveRef {
                instrument: self.strategy.clone(),
                objective: Key::parse(objective).expect("a valid key"),
            };
            let key = Key::parse(format!("{}-strategy-action-{n}", self.slug)).expect("a valid key");
            let title = ACTIONS[(n + 5) % ACTIONS.len()].to_owned();
            self.commit(out, key, title, towards, None, 12 + 4 * n, false);
        }
    }

    /// The board's annual review: a new version of the plan and actions for the year ahead.
    fn review_plan(&mut self, out: &mut Out<'_>, version: usize) {
        let year = out.date().format("%Y").to_string();
        let text = format!("That the annual review of the delivery plan be agreed, with the new actions for {year}.");
        let (resolution, cause) = self.resolve(out, &self.board, &self.county, "9", Outcome::Agreed, text);
        let label = format!("{} Health and Wellbeing Delivery Plan, {year} review", self.name);
        let version = instrument::Event::VersionPublished {
            version: version as u32,
            content_hash: ContentHash::of(label.as_bytes()),
            label,
            document: None,
            published_on: out.date(),
        };
        out.emit(
            domain::ids::instrument_stream(&self.plan),
            version,
            &self.secretariat(),
            "board minute 9",
            Some(cause),
        );
        self.plan_resolution = Some((resolution, cause));
        self.add_actions(out, 6);
    }

    /// Actions below the parent, towards the plan's objectives in turn, arising from the plan's
    /// latest resolution.
    fn add_actions(&mut self, out: &mut Out<'_>, count: usize) {
        for _ in 0..count {
            let n = self.actions.len();
            let (objective, _) = PLAN_OBJECTIVES[n % PLAN_OBJECTIVES.len()];
            let towards =
                ObjectiveRef { instrument: self.plan.clone(), objective: Key::parse(objective).expect("a valid key") };
            let key = Key::parse(format!("{}-action-{n}", self.slug)).expect("a valid key");
            self.commit(
                out,
                key,
                ACTIONS[n % ACTIONS.len()].to_owned(),
                towards,
                self.parent.clone(),
                12 + 6 * (n % 3),
                false,
            );
        }
    }

    #[expect(clippy::too_many_arguments, reason = "one argument per field of the commitment")]
    fn commit(
        &mut self,
        out: &mut Out<'_>,
        key: Key,
        title: String,
        towards: ObjectiveRef,
        parent: Option<Key>,
        months: usize,
        is_parent: bool,
    ) {
        let n = self.actions.len();
        let organisation = [&self.county, &self.district, &self.icb][n % 3].clone();
        let (resolution, cause) = self.plan_resolution.clone().expect("actions arise from the plan's resolution");
        let due = out.month + months;
        let made = commitment::Event::Made {
            id: key.clone(),
            title,
            organisation,
            lead: ["Director of Public Health", "Head of Housing", "Director of Integration"][n % 3].into(),
            towards: Some(towards),
            arising_from: Some(resolution),
            body: Some(self.board.clone()),
            due_on: day_of(due, self.day),
            weight: 1 + (n % 3) as u32,
            parent,
            made_on: out.date(),
        };
        out.emit(
            domain::ids::commitment_stream(&key),
            made,
            &self.secretariat(),
            "delivery plan appendix",
            Some(cause),
        );
        self.actions.push(Action { key, made: out.month, due, rescheduled: false, is_parent, open: true });
    }

    /// Every open action's monthly report (the parent's quarterly); an action falling due is
    /// completed, or once in four times moved on a year.
    fn report(&mut self, out: &mut Out<'_>) {
        let actor = format!("performance@{}.gov.uk", self.slug);
        let day = out.date();
        let source = format!("{} delivery plan highlight report, {}", self.name, day.format("%B %Y"));
        let month = out.month;
        for (n, action) in self.actions.iter_mut().enumerate().filter(|(_, a)| a.open && a.made < month) {
            let stream = domain::ids::commitment_stream(&action.key);
            let elapsed = out.month - action.made;
            if action.is_parent && elapsed % 3 != 0 {
                continue;
            }
            let percent = (elapsed * 100 / (action.due - action.made).max(1)).min(95) as u8;
            let status = match (n + out.month) % 10 {
                0 => Rag::Red,
                1 | 2 => Rag::Amber,
                _ => Rag::Green,
            };
            let from = day_of(out.month - 1, 1);
            let progress = commitment::Event::ProgressReported {
                status,
                percent_complete: percent,
                narrative: NARRATIVES[(n + out.month) % NARRATIVES.len()].into(),
                evidence_refs: vec![format!("highlight report {}", day.format("%Y-%m"))],
                period: ReportingPeriod {
                    label: from.format("%B %Y").to_string(),
                    from: Some(from),
                    to: Some(day_of(out.month, 1).pred_opt().expect("a valid date")),
                },
                reported_on: day,
            };
            out.emit(stream.clone(), progress, &actor, &source, None);
            if out.month < action.due {
                continue;
            }
            if action.is_parent || (n % 4 == 3 && !action.rescheduled) {
                let previous = day_of(action.due, self.day);
                action.due += REVIEW_EVERY;
                action.rescheduled = true;
                let rescheduled = commitment::Event::Rescheduled {
                    previous_due_on: previous,
                    due_on: day_of(action.due, self.day),
                    reason: "Moved on a year at the annual review".into(),
                };
                out.emit(stream, rescheduled, &actor, &source, None);
            } else {
                let completed = commitment::Event::Completed {
                    completed_on: day,
                    narrative: "Delivered and handed over to business as usual.".into(),
                    evidence_refs: vec![format!("closure report {}", day.format("%Y-%m"))],
                };
                out.emit(stream, completed, &actor, &source, None);
                action.open = false;
            }
        }
    }
}

/// The `day`-th day of the `month`-th month of the log (days 1 to 28 exist in every month).
fn day_of(month: usize, day: u32) -> Date {
    let year = START_YEAR + (month / 12) as i32;
    Date::from_ymd_opt(year, (month % 12) as u32 + 1, day).expect("a valid day")
}
