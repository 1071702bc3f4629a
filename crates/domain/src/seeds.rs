//! The seed stories: the commands that five real council and partnership papers imply, in order,
//! each with when it happened, who recorded it and where the fact comes from. `covenant demo`,
//! projection tests and this crate's scenario tests all load the same stories.
//!
//! The bodies, decisions, dates and wording come from the papers where the papers give them.
//! Where a paper leaves a fact out that the model needs (the date of a meeting, an agenda item's
//! number, the actions of a delivery plan, progress figures), the step's `source` says that the
//! value is illustrative, so nobody mistakes it for the record.

use kernel::Timestamp;
use serde::Serialize;

use crate::commitment::{ObjectiveRef, ReportingPeriod};
use crate::rag::Rag;
use crate::resolution::Outcome;
use crate::values::{ContentHash, Date, Key, OrgId, Period};
use crate::{Command, body, commitment, indicator, instrument, meeting, organisation, resolution};

/// One command of a story, with its metadata.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeedStep {
    pub command: Command,
    /// When it happened in the world; also the time to decide it at.
    pub occurred_at: Timestamp,
    pub actor: String,
    /// Where the fact comes from: a minute reference or document.
    pub source: String,
}

/// One seed story.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Story {
    /// A short name, such as `lincolnshire`.
    pub key: &'static str,
    pub title: &'static str,
    pub steps: Vec<SeedStep>,
}

/// All five stories, in the order they should be loaded.
pub fn stories() -> Vec<Story> {
    vec![lincolnshire(), bexley(), west_northamptonshire(), rotherham(), walsall()]
}

fn key(text: &str) -> Key {
    Key::parse(text).expect("seed keys are valid")
}

fn org(text: &str) -> OrgId {
    OrgId::parse(text).expect("seed organisation ids are valid")
}

fn date(text: &str) -> Date {
    Date::parse_from_str(text, "%Y-%m-%d").expect("seed dates are valid")
}

fn period(from: &str, to: &str) -> Option<Period> {
    Some(Period::new(date(from), date(to)).expect("seed periods run forwards"))
}

fn objective(instrument: &str, objective: &str) -> Option<ObjectiveRef> {
    Some(ObjectiveRef { instrument: key(instrument), objective: key(objective) })
}

/// The content hash seeds record for a document they do not hold: the hash of its title and
/// edition, standing in for the document's bytes.
fn document_hash(reference: &str) -> ContentHash {
    ContentHash::of(reference.as_bytes())
}

/// Builds a story step by step; each step takes the current date and source.
struct Script {
    steps: Vec<SeedStep>,
    actor: &'static str,
    at: Timestamp,
    source: String,
}

impl Script {
    fn new(actor: &'static str) -> Self {
        Self {
            steps: Vec::new(),
            actor,
            at: Timestamp::parse("2000-01-01").expect("a valid date"),
            source: String::new(),
        }
    }

    /// Sets the date and source of the steps that follow.
    fn on(&mut self, day: &str, source: &str) -> &mut Self {
        self.at = Timestamp::parse(day).expect("seed dates are valid");
        self.source = source.to_owned();
        self
    }

    fn run(&mut self, command: impl Into<Command>) -> &mut Self {
        self.steps.push(SeedStep {
            command: command.into(),
            occurred_at: self.at,
            actor: self.actor.to_owned(),
            source: self.source.clone(),
        });
        self
    }

    fn register(&mut self, id: &str, name: &str, kind: organisation::Kind) -> &mut Self {
        self.run(organisation::Command::Register { id: org(id), name: name.into(), kind, identifiers: Vec::new() })
    }

    fn body(
        &mut self,
        id: &str,
        name: &str,
        kind: body::Kind,
        parents: &[&str],
        members: &[&str],
        on: &str,
    ) -> &mut Self {
        self.run(body::Command::Establish {
            id: key(id),
            name: name.into(),
            kind,
            parents: parents.iter().map(|p| org(p)).collect(),
            members: members.iter().map(|m| org(m)).collect(),
            established_on: date(on),
        })
    }

    /// Schedules and holds a meeting on one day, with its agenda items `(item, title, minute)`.
    fn meeting(
        &mut self,
        id: &str,
        body: &str,
        on: &str,
        title: &str,
        items: &[(&str, &str, Option<&str>)],
    ) -> &mut Self {
        self.run(meeting::Command::Schedule { id: key(id), body: key(body), date: date(on), title: title.into() });
        for (item, item_title, minute) in items {
            self.run(meeting::Command::AddAgendaItem {
                id: key(id),
                item: (*item).into(),
                title: (*item_title).into(),
                minute_number: minute.map(str::to_owned),
            });
        }
        self.run(meeting::Command::Hold { id: key(id), held_on: date(on) })
    }

    #[expect(clippy::too_many_arguments, reason = "one argument per field of the minute")]
    fn resolve(
        &mut self,
        id: &str,
        body: &str,
        meeting: &str,
        item: &str,
        on: &str,
        outcome: Outcome,
        text: &str,
    ) -> &mut Self {
        self.run(resolution::Command::Record {
            id: key(id),
            body: key(body),
            meeting: key(meeting),
            agenda_item: item.into(),
            text: text.into(),
            outcome,
            decided_on: date(on),
            published_on: Some(date(on)),
            effective_on: None,
            subject_to_call_in: false,
        })
    }

    #[expect(clippy::too_many_arguments, reason = "one argument per field of the instrument")]
    fn draft(
        &mut self,
        id: &str,
        kind: instrument::Kind,
        title: &str,
        owner: &str,
        period: Option<Period>,
        parties: &[&str],
        builds_on: Option<&str>,
        on: &str,
    ) -> &mut Self {
        self.run(instrument::Command::Draft {
            id: key(id),
            kind,
            title: title.into(),
            owner_body: key(owner),
            period,
            parties: parties.iter().map(|p| org(p)).collect(),
            builds_on: builds_on.map(key),
            drafted_on: date(on),
        })
    }

    fn version(&mut self, id: &str, label: &str, document: &str, on: &str) -> &mut Self {
        self.run(instrument::Command::PublishVersion {
            id: key(id),
            label: label.into(),
            content_hash: document_hash(document),
            document: Some(document.into()),
            published_on: date(on),
        })
    }

    fn objective(&mut self, id: &str, objective: &str, title: &str, themes: &[&str]) -> &mut Self {
        self.run(instrument::Command::AddObjective {
            id: key(id),
            objective: key(objective),
            title: title.into(),
            themes: themes.iter().map(|t| (*t).to_owned()).collect(),
        })
    }

    #[expect(clippy::too_many_arguments, reason = "one argument per column of the action plan")]
    fn commit(
        &mut self,
        id: &str,
        title: &str,
        organisation: &str,
        lead: &str,
        towards: Option<ObjectiveRef>,
        arising_from: Option<&str>,
        made_on: &str,
        due_on: &str,
        weight: u32,
        parent: Option<&str>,
    ) -> &mut Self {
        self.run(commitment::Command::Make {
            id: key(id),
            title: title.into(),
            organisation: org(organisation),
            lead: lead.into(),
            towards,
            arising_from: arising_from.map(key),
            due_on: date(due_on),
            weight,
            parent: parent.map(key),
            made_on: date(made_on),
        })
    }

    #[expect(clippy::too_many_arguments, reason = "one argument per field of the progress return")]
    fn progress(
        &mut self,
        id: &str,
        status: Rag,
        percent: u8,
        period: &str,
        on: &str,
        narrative: &str,
        evidence: &[&str],
    ) -> &mut Self {
        self.run(commitment::Command::ReportProgress {
            id: key(id),
            status,
            percent_complete: percent,
            narrative: narrative.into(),
            evidence_refs: evidence.iter().map(|e| (*e).to_owned()).collect(),
            period: ReportingPeriod { label: period.into(), from: None, to: None },
            reported_on: date(on),
        })
    }

    fn finish(self, key: &'static str, title: &'static str) -> Story {
        Story { key, title, steps: self.steps }
    }
}

/// Lincolnshire: the housing, health and care MOU endorsed by West Lindsey's Prosperous
/// Communities Committee on 29 January 2018; the Homes for Independence Blueprint built on it,
/// endorsed by the Health and Wellbeing Board on 1 December 2020 with the recommendation that
/// partners adopt it; West Lindsey's minute 45 adopting it; the HHCDG delivery plan and its actions;
/// the clinical commissioning group succeeded by the integrated care board, which inherits its
/// open action.
pub fn lincolnshire() -> Story {
    use organisation::Kind::*;
    let mut s = Script::new("seed:lincolnshire");
    let minute45 = "West Lindsey District Council, Prosperous Communities Committee, minute 45";
    s.on("2018-01-01", "organisation registers")
        .register("GB-LAE-LIN", "Lincolnshire County Council", LocalAuthority)
        .register("GB-LAE-WLI", "West Lindsey District Council", LocalAuthority)
        .register("GB-LAE-LIC", "City of Lincoln Council", LocalAuthority)
        .register("GB-NHS-71E", "NHS Lincolnshire Clinical Commissioning Group", NhsBody)
        .body(
            "west-lindsey-prosperous-communities-committee",
            "Prosperous Communities Committee",
            body::Kind::Committee,
            &["GB-LAE-WLI"],
            &[],
            "2018-01-01",
        )
        .body(
            "lincolnshire-health-and-wellbeing-board",
            "Lincolnshire Health and Wellbeing Board",
            body::Kind::Board,
            &["GB-LAE-LIN"],
            &["GB-LAE-LIN", "GB-LAE-WLI", "GB-LAE-LIC", "GB-NHS-71E"],
            "2018-01-01",
        )
        .body(
            "lincolnshire-hhcdg",
            "Housing, Health and Care Delivery Group (HHCDG)",
            body::Kind::PartnershipGroup,
            &["GB-LAE-LIN"],
            &["GB-LAE-LIN", "GB-LAE-WLI", "GB-LAE-LIC", "GB-NHS-71E"],
            "2018-01-01",
        );
    s.on("2018-01-29", &format!("{minute45}: \"The Committee on 29 January 2018 had endorsed a Memorandum of Understanding\" (agenda item reference illustrative)"))
        .draft(
            "lincolnshire-housing-health-care-mou",
            instrument::Kind::Mou,
            "Lincolnshire Housing, Health and Care Memorandum of Understanding",
            "lincolnshire-hhcdg",
            None,
            &["GB-LAE-LIN", "GB-LAE-WLI", "GB-LAE-LIC", "GB-NHS-71E"],
            None,
            "2018-01-29",
        )
        .version(
            "lincolnshire-housing-health-care-mou",
            "2018",
            "Lincolnshire Housing, Health and Care Memorandum of Understanding, 2018",
            "2018-01-29",
        )
        .meeting(
            "west-lindsey-pcc-2018-01-29",
            "west-lindsey-prosperous-communities-committee",
            "2018-01-29",
            "Prosperous Communities Committee",
            &[("mou", "Housing, Health and Care Memorandum of Understanding", None)],
        )
        .resolve(
            "west-lindsey-pcc-2018-01-29-mou",
            "west-lindsey-prosperous-communities-committee",
            "west-lindsey-pcc-2018-01-29",
            "mou",
            "2018-01-29",
            Outcome::Endorsed,
            "That the Memorandum of Understanding agreeing to work together across housing, health and social care to deliver positive health outcomes for residents of Lincolnshire through the home be endorsed.",
        )
        .run(instrument::Command::Endorse {
            id: key("lincolnshire-housing-health-care-mou"),
            body: key("west-lindsey-prosperous-communities-committee"),
            resolution: key("west-lindsey-pcc-2018-01-29-mou"),
            endorsed_on: date("2018-01-29"),
            recommendation: None,
        })
        .run(instrument::Command::Sign {
            id: key("lincolnshire-housing-health-care-mou"),
            party: org("GB-LAE-WLI"),
            resolution: key("west-lindsey-pcc-2018-01-29-mou"),
            signed_on: date("2018-01-29"),
            signatory: "West Lindsey District Council".into(),
        });

    let blueprint = "lincolnshire-homes-for-independence-blueprint";
    s.on("2020-11-20", "Homes for Independence Blueprint, as presented to the Lincolnshire Health and Wellbeing Board on 1 December 2020 (drafting and publication dates illustrative)")
        .draft(
            blueprint,
            instrument::Kind::Blueprint,
            "Lincolnshire Homes for Independence Blueprint",
            "lincolnshire-hhcdg",
            None,
            &["GB-LAE-LIN", "GB-LAE-WLI", "GB-LAE-LIC", "GB-NHS-71E"],
            Some("lincolnshire-housing-health-care-mou"),
            "2020-11-20",
        )
        .version(blueprint, "2020", "Lincolnshire Homes for Independence Blueprint, 2020", "2020-11-20")
        .objective(blueprint, "grow-supply", "Growing the supply of appropriate housing to meet a range of specific housing needs", &["housing supply"])
        .objective(blueprint, "influence-design", "Aiming to influence the design, location and number of homes delivered", &["housing supply", "planning"])
        .objective(blueprint, "better-outcomes", "Secure better outcomes from existing resources", &["integration"])
        .objective(blueprint, "plan-ahead", "Enable residents of West Lindsey and Lincolnshire to plan ahead to meet their housing needs", &["independent living"]);
    s.on("2020-12-01", "Lincolnshire Health and Wellbeing Board, 1 December 2020, as recorded in West Lindsey minute 45 (agenda item reference illustrative)")
        .meeting(
            "lincolnshire-hwb-2020-12-01",
            "lincolnshire-health-and-wellbeing-board",
            "2020-12-01",
            "Health and Wellbeing Board",
            &[("homes-for-independence", "Homes for Independence Blueprint", None)],
        )
        .resolve(
            "lincolnshire-hwb-2020-12-01-homes-for-independence",
            "lincolnshire-health-and-wellbeing-board",
            "lincolnshire-hwb-2020-12-01",
            "homes-for-independence",
            "2020-12-01",
            Outcome::Endorsed,
            "That the Homes for Independence Blueprint be endorsed, with the recommendation that relevant partners adopt the blueprint through the appropriate decision making processes.",
        )
        .run(instrument::Command::Endorse {
            id: key(blueprint),
            body: key("lincolnshire-health-and-wellbeing-board"),
            resolution: key("lincolnshire-hwb-2020-12-01-homes-for-independence"),
            endorsed_on: date("2020-12-01"),
            recommendation: Some("that relevant partners adopt the blueprint through the appropriate decision making processes".into()),
        });

    s.on("2021-03-09", &format!("{minute45} (meeting date illustrative)"))
        .meeting(
            "west-lindsey-pcc-2021-03-09",
            "west-lindsey-prosperous-communities-committee",
            "2021-03-09",
            "Prosperous Communities Committee",
            &[("45", "Lincolnshire Homes for Independence Blueprint and HHCDG workstream", Some("45"))],
        )
        .resolve(
            "west-lindsey-pcc-2021-03-09-45",
            "west-lindsey-prosperous-communities-committee",
            "west-lindsey-pcc-2021-03-09",
            "45",
            "2021-03-09",
            Outcome::Adopted,
            "RESOLVED that West Lindsey District Council adopt and agree to work towards meeting the objectives set out within the Lincolnshire Homes for Independence Blueprint.",
        )
        .run(instrument::Command::Adopt {
            id: key(blueprint),
            party: org("GB-LAE-WLI"),
            resolution: key("west-lindsey-pcc-2021-03-09-45"),
            adopted_on: date("2021-03-09"),
        })
        .run(instrument::Command::StartDelivery { id: key(blueprint), started_on: date("2021-03-09") });

    let plan = "lincolnshire-hhcdg-delivery-plan";
    s.on("2021-04-01", "HHCDG delivery plan (actions, leads and dates illustrative)")
        .draft(
            plan,
            instrument::Kind::ActionPlan,
            "HHCDG Delivery Plan",
            "lincolnshire-hhcdg",
            period("2021-04-01", "2024-03-31"),
            &["GB-LAE-LIN", "GB-LAE-WLI", "GB-NHS-71E"],
            Some(blueprint),
            "2021-04-01",
        )
        .version(plan, "2021/22", "HHCDG Delivery Plan 2021/22", "2021-04-01")
        .objective(plan, "specialist-housing", "Specialist and supported housing supply", &["housing supply"])
        .objective(plan, "adaptations", "Adaptations and independent living at home", &["independent living"])
        .objective(plan, "hospital-discharge", "Housing support for hospital discharge", &["integration"])
        .commit(
            "hhcdg-delivery-plan",
            "Deliver the HHCDG delivery plan",
            "GB-LAE-LIN",
            "Chair, HHCDG",
            objective(blueprint, "better-outcomes"),
            None,
            "2021-04-01",
            "2024-03-31",
            1,
            None,
        )
        .commit(
            "hhcdg-specialist-housing-evidence",
            "Publish a county-wide evidence base of specialist housing need",
            "GB-LAE-LIN",
            "Head of Housing Strategy",
            objective(plan, "specialist-housing"),
            None,
            "2021-04-01",
            "2022-03-31",
            2,
            Some("hhcdg-delivery-plan"),
        )
        .commit(
            "hhcdg-dfg-fast-track",
            "Fast-track Disabled Facilities Grant adaptations across the districts",
            "GB-LAE-WLI",
            "Housing Services Manager",
            objective(plan, "adaptations"),
            Some("west-lindsey-pcc-2021-03-09-45"),
            "2021-04-01",
            "2023-03-31",
            1,
            Some("hhcdg-delivery-plan"),
        )
        .commit(
            "hhcdg-discharge-housing-support",
            "Align housing support with hospital discharge pathways",
            "GB-NHS-71E",
            "Director of Integration",
            objective(plan, "hospital-discharge"),
            None,
            "2021-04-01",
            "2023-09-30",
            1,
            Some("hhcdg-delivery-plan"),
        )
        .run(commitment::Command::AddMilestone {
            id: key("hhcdg-dfg-fast-track"),
            milestone: key("shared-policy"),
            title: "Shared DFG policy agreed by the districts".into(),
            due_on: date("2021-09-30"),
        });
    s.on("2021-04-01", "West Lindsey housing performance indicators (figures illustrative)")
        .run(indicator::Command::Define {
            id: key("west-lindsey-dfg-completions"),
            title: "Disabled Facilities Grant adaptations completed in West Lindsey".into(),
            unit: "households".into(),
            polarity: indicator::Polarity::HigherIsBetter,
            owner: org("GB-LAE-WLI"),
            towards: objective(plan, "adaptations"),
        })
        .run(indicator::Command::SetBaseline {
            id: key("west-lindsey-dfg-completions"),
            value: 96.0,
            as_of: date("2021-03-31"),
            source: "West Lindsey DFG return 2020/21".into(),
        })
        .run(indicator::Command::SetTarget {
            id: key("west-lindsey-dfg-completions"),
            value: 120.0,
            due_on: date("2022-03-31"),
        })
        .run(indicator::Command::SetTarget {
            id: key("west-lindsey-dfg-completions"),
            value: 140.0,
            due_on: date("2023-03-31"),
        });
    s.on("2021-10-15", "HHCDG progress return, Q2 2021/22 (illustrative)")
        .progress(
            "hhcdg-specialist-housing-evidence",
            Rag::Amber,
            40,
            "2021/22 Q2",
            "2021-10-15",
            "Data sharing with district councils agreed; analysis delayed by staff vacancies.",
            &["HHCDG minutes, October 2021"],
        )
        .run(commitment::Command::ReachMilestone {
            id: key("hhcdg-dfg-fast-track"),
            milestone: key("shared-policy"),
            reached_on: date("2021-10-15"),
        })
        .progress(
            "hhcdg-dfg-fast-track",
            Rag::Green,
            35,
            "2021/22 Q2",
            "2021-10-15",
            "Shared policy agreed; fast-track route live in West Lindsey.",
            &[],
        )
        .progress(
            "hhcdg-discharge-housing-support",
            Rag::Green,
            25,
            "2021/22 Q2",
            "2021-10-15",
            "Housing link workers placed in two acute hospital discharge hubs.",
            &[],
        );
    s.on("2022-03-31", "West Lindsey DFG return 2021/22 (illustrative)").run(indicator::Command::RecordMeasurement {
        id: key("west-lindsey-dfg-completions"),
        value: 111.0,
        as_of: date("2022-03-31"),
        note: None,
    });
    s.on("2022-04-20", "HHCDG progress return, Q4 2021/22 (illustrative)")
        .progress(
            "hhcdg-specialist-housing-evidence",
            Rag::Red,
            60,
            "2021/22 Q4",
            "2022-04-20",
            "Evidence base not published by its due date; draft with partners for comment.",
            &[],
        )
        .progress(
            "hhcdg-dfg-fast-track",
            Rag::Green,
            70,
            "2021/22 Q4",
            "2022-04-20",
            "Average time from referral to completion down from 38 to 22 weeks.",
            &["DFG performance report 2021/22"],
        );
    s.on("2022-06-30", "West Lindsey DFG return 2021/22, audited (illustrative)").run(
        indicator::Command::ReviseMeasurement {
            id: key("west-lindsey-dfg-completions"),
            as_of: date("2022-03-31"),
            value: 114.0,
            reason: "Three completions signed off after the provisional return".into(),
        },
    );
    s.on("2022-07-01", "Health and Care Act 2022: NHS Lincolnshire Integrated Care Board took over the clinical commissioning group's functions")
        .register("GB-NHS-QJM", "NHS Lincolnshire Integrated Care Board", IntegratedCareBoard)
        // The succession itself transfers the clinical commissioning group's open action.
        .run(organisation::Command::Succeed { id: org("GB-NHS-71E"), successor: org("GB-NHS-QJM"), effective_on: date("2022-07-01") })
        .run(organisation::Command::Dissolve { id: org("GB-NHS-71E"), effective_on: date("2022-07-01") });
    s.on("2023-03-31", "HHCDG progress return, Q4 2022/23 (illustrative)")
        .run(commitment::Command::Complete {
            id: key("hhcdg-dfg-fast-track"),
            completed_on: date("2023-03-31"),
            narrative: "Fast-track route adopted by all seven districts.".into(),
            evidence_refs: vec!["DFG performance report 2022/23".into()],
        })
        .run(commitment::Command::Reschedule {
            id: key("hhcdg-discharge-housing-support"),
            due_on: date("2024-03-31"),
            reason: "Discharge pathways redesigned by the integrated care board".into(),
        })
        .progress(
            "hhcdg-discharge-housing-support",
            Rag::Amber,
            55,
            "2022/23 Q4",
            "2023-03-31",
            "Pathways redesigned; housing link worker posts funded to March 2024.",
            &[],
        );
    s.on("2023-03-31", "West Lindsey DFG return 2022/23 (illustrative)").run(indicator::Command::RecordMeasurement {
        id: key("west-lindsey-dfg-completions"),
        value: 137.0,
        as_of: date("2023-03-31"),
        note: None,
    });
    s.finish("lincolnshire", "Lincolnshire Homes for Independence: MOU, blueprint, adoption and delivery plan")
}

/// Bexley: the Joint Local Health and Wellbeing Strategy 2023–2028, its key priorities, the
/// engagement that shaped it, sign-off by the Health and Wellbeing Board, and the joint integrated
/// action plan that delivers it.
pub fn bexley() -> Story {
    use organisation::Kind::*;
    let mut s = Script::new("seed:bexley");
    let strategy = "bexley-jlhws-2023-2028";
    let plan = "bexley-joint-integrated-action-plan";
    let board = "bexley-health-and-wellbeing-board";
    s.on("2013-04-01", "Bexley Health and Wellbeing Board (establishment date illustrative)")
        .register("GB-LAE-BEX", "London Borough of Bexley", LocalAuthority)
        .register("GB-NHS-RPG", "Oxleas NHS Foundation Trust", NhsBody)
        .body(
            board,
            "Bexley Health and Wellbeing Board",
            body::Kind::Board,
            &["GB-LAE-BEX"],
            &["GB-LAE-BEX", "GB-NHS-RPG"],
            "2013-04-01",
        );
    s.on(
        "2023-01-09",
        "Bexley Joint Local Health and Wellbeing Strategy 2023 to 2028 (drafting and engagement dates illustrative)",
    )
    .register("GB-NHS-QKK", "NHS South East London Integrated Care Board", IntegratedCareBoard)
    .run(body::Command::AddMember { id: key(board), organisation: org("GB-NHS-QKK"), joined_on: date("2023-01-09") })
    .draft(
        strategy,
        instrument::Kind::Strategy,
        "Joint Local Health and Wellbeing Strategy for Bexley 2023 to 2028",
        board,
        period("2023-04-01", "2028-03-31"),
        &["GB-LAE-BEX", "GB-NHS-QKK"],
        None,
        "2023-01-09",
    )
    .objective(strategy, "mental-health", "Mental health", &["mental health", "health inequalities"])
    .objective(
        strategy,
        "children-and-young-people",
        "Children and Young People",
        &["children and young people", "prevention"],
    )
    .objective(strategy, "ageing-well", "Ageing well", &["older people", "early help"])
    .version(
        strategy,
        "Engagement draft",
        "Joint Local Health and Wellbeing Strategy for Bexley 2023 to 2028, engagement draft",
        "2023-01-09",
    )
    .run(instrument::Command::OpenConsultation {
        id: key(strategy),
        opens_on: date("2023-01-09"),
        closes_on: date("2023-03-05"),
    });
    s.on("2023-03-05", "Bexley Joint Local Health and Wellbeing Strategy engagement (illustrative)")
        .run(instrument::Command::CloseConsultation {
            id: key(strategy),
            closed_on: date("2023-03-05"),
            summary: "Engagement with a wide range of organisations, residents and community groups to understand the needs of Bexley residents in their broadest sense.".into(),
        })
        .version(strategy, "Final", "Joint Local Health and Wellbeing Strategy for Bexley 2023 to 2028", "2023-03-05");
    s.on("2023-03-16", "Bexley Health and Wellbeing Board (meeting date and agenda item illustrative)")
        .meeting("bexley-hwb-2023-03-16", board, "2023-03-16", "Health and Wellbeing Board", &[("jlhws", "Joint Local Health and Wellbeing Strategy 2023 to 2028", None)])
        .resolve(
            "bexley-hwb-2023-03-16-jlhws",
            board,
            "bexley-hwb-2023-03-16",
            "jlhws",
            "2023-03-16",
            Outcome::Approved,
            "That the Joint Local Health and Wellbeing Strategy 2023 to 2028 and the joint integrated action plan be approved.",
        )
        .run(instrument::Command::Endorse { id: key(strategy), body: key(board), resolution: key("bexley-hwb-2023-03-16-jlhws"), endorsed_on: date("2023-03-16"), recommendation: None })
        .run(instrument::Command::Adopt { id: key(strategy), party: org("GB-LAE-BEX"), resolution: key("bexley-hwb-2023-03-16-jlhws"), adopted_on: date("2023-03-16") })
        .draft(plan, instrument::Kind::ActionPlan, "Bexley joint integrated action plan", board, period("2023-04-01", "2028-03-31"), &["GB-LAE-BEX", "GB-NHS-QKK", "GB-NHS-RPG"], Some(strategy), "2023-03-16")
        .version(plan, "2023/24", "Bexley joint integrated action plan 2023/24", "2023-03-16")
        .objective(plan, "mental-health-actions", "Mental health actions", &["mental health"])
        .objective(plan, "children-actions", "Children and young people actions", &["children and young people"])
        .objective(plan, "ageing-well-actions", "Ageing well actions", &["older people"]);
    s.on("2023-04-01", "Bexley joint integrated action plan (actions, leads and dates illustrative)")
        .run(instrument::Command::StartDelivery { id: key(strategy), started_on: date("2023-04-01") })
        .commit(
            "bexley-suicide-prevention-plan",
            "Refresh the Bexley suicide prevention action plan",
            "GB-LAE-BEX",
            "Director of Public Health",
            objective(plan, "mental-health-actions"),
            Some("bexley-hwb-2023-03-16-jlhws"),
            "2023-04-01",
            "2023-12-31",
            1,
            None,
        )
        .commit(
            "bexley-cyp-emotional-wellbeing",
            "Extend mental health support teams to every secondary school",
            "GB-NHS-RPG",
            "Director of Children's Services, Oxleas",
            objective(plan, "children-actions"),
            None,
            "2023-04-01",
            "2025-03-31",
            2,
            None,
        )
        .commit(
            "bexley-frailty-pathway",
            "Launch an integrated frailty pathway for residents over 65",
            "GB-NHS-QKK",
            "Place Executive Lead, Bexley",
            objective(plan, "ageing-well-actions"),
            None,
            "2023-04-01",
            "2024-03-31",
            1,
            None,
        );
    s.on("2023-10-12", "Bexley Health and Wellbeing Board action plan update (illustrative)")
        .progress(
            "bexley-suicide-prevention-plan",
            Rag::Amber,
            60,
            "2023/24 Q2",
            "2023-10-12",
            "Draft plan out for comment with partners; real-time surveillance data now shared.",
            &["Bexley HWB report, October 2023"],
        )
        .progress(
            "bexley-cyp-emotional-wellbeing",
            Rag::Green,
            45,
            "2023/24 Q2",
            "2023-10-12",
            "Two further teams recruited; 14 of 19 secondary schools covered.",
            &[],
        )
        .progress(
            "bexley-frailty-pathway",
            Rag::Red,
            20,
            "2023/24 Q2",
            "2023-10-12",
            "Pathway design paused while community services are recommissioned.",
            &[],
        );
    s.on("2023-12-31", "Bexley Health and Wellbeing Board action plan update (illustrative)")
        .run(indicator::Command::Define {
            id: key("bexley-cyp-mh-access"),
            title: "Children and young people accessing NHS-funded mental health support".into(),
            unit: "children and young people".into(),
            polarity: indicator::Polarity::HigherIsBetter,
            owner: org("GB-NHS-QKK"),
            towards: objective(strategy, "children-and-young-people"),
        })
        .run(indicator::Command::SetBaseline {
            id: key("bexley-cyp-mh-access"),
            value: 2450.0,
            as_of: date("2023-03-31"),
            source: "NHS mental health services dataset (figure illustrative)".into(),
        })
        .run(indicator::Command::SetTarget {
            id: key("bexley-cyp-mh-access"),
            value: 2900.0,
            due_on: date("2024-03-31"),
        })
        .run(indicator::Command::RecordMeasurement {
            id: key("bexley-cyp-mh-access"),
            value: 2610.0,
            as_of: date("2023-12-31"),
            note: Some("rolling twelve months (illustrative)".into()),
        });
    s.on("2024-01-18", "Bexley Health and Wellbeing Board action plan update (illustrative)").run(
        commitment::Command::Complete {
            id: key("bexley-suicide-prevention-plan"),
            completed_on: date("2024-01-18"),
            narrative: "Refreshed suicide prevention action plan agreed by the board.".into(),
            evidence_refs: vec!["Bexley suicide prevention action plan 2024".into()],
        },
    );
    s.finish(
        "bexley",
        "Bexley Joint Local Health and Wellbeing Strategy 2023 to 2028 and its joint integrated action plan",
    )
}

/// The ten ambitions of the West Northamptonshire strategy.
const WEST_NORTHANTS_AMBITIONS: [(&str, &str); 10] = [
    ("best-start", "Children have the best start in life"),
    ("education", "Access to the best available education and learning"),
    ("fit-well-independent", "Opportunity to be fit, well and independent"),
    ("employment", "Employment that keeps them and their families out of poverty"),
    ("housing", "Good housing in places which are clean and green"),
    ("safe", "Feel safe in their homes and when out and about"),
    ("connected", "Connected to their families and friends"),
    ("fresh-start", "The chance for a fresh start when things go wrong"),
    ("health-and-care", "Access to health and social care when they need it"),
    ("dignity", "Able to die in a place of their choosing with dignity"),
];

/// West Northamptonshire: local government reorganisation on 1 April 2021; the draft Joint Health
/// and Wellbeing Strategy to Cabinet and then the Health and Wellbeing Board for sign-off; ten
/// ambitions delivered through nine Local Area Partnerships.
pub fn west_northamptonshire() -> Story {
    use organisation::Kind::*;
    let mut s = Script::new("seed:west-northamptonshire");
    let strategy = "west-northamptonshire-jhws";
    s.on("2021-03-31", "Northamptonshire local government reorganisation")
        .register("GB-LAE-NTH", "Northamptonshire County Council", LocalAuthority)
        .register("GB-LAE-NOR", "Northampton Borough Council", LocalAuthority);
    s.on(
        "2021-04-01",
        "The Northamptonshire (Structural Changes) Order 2020: West Northamptonshire Council from 1 April 2021",
    )
    .register("GB-LAE-WNH", "West Northamptonshire Council", LocalAuthority)
    .run(organisation::Command::Succeed {
        id: org("GB-LAE-NTH"),
        successor: org("GB-LAE-WNH"),
        effective_on: date("2021-04-01"),
    })
    .run(organisation::Command::Succeed {
        id: org("GB-LAE-NOR"),
        successor: org("GB-LAE-WNH"),
        effective_on: date("2021-04-01"),
    })
    .run(organisation::Command::Dissolve { id: org("GB-LAE-NOR"), effective_on: date("2021-04-01") })
    .register("GB-NHS-QPM", "NHS Northamptonshire Integrated Care Board", IntegratedCareBoard)
    .body("west-northamptonshire-cabinet", "Cabinet", body::Kind::Cabinet, &["GB-LAE-WNH"], &[], "2021-04-01")
    .body(
        "west-northamptonshire-hwb",
        "West Northamptonshire Health and Wellbeing Board",
        body::Kind::Board,
        &["GB-LAE-WNH"],
        &["GB-LAE-WNH", "GB-NHS-QPM"],
        "2021-04-01",
    );
    s.on("2022-09-01", "West Northamptonshire Local Area Partnerships (partnership names illustrative)");
    for n in 1..=9 {
        s.body(
            &format!("west-northamptonshire-lap-{n}"),
            &format!("West Northamptonshire Local Area Partnership {n}"),
            body::Kind::LocalAreaPartnership,
            &["GB-LAE-WNH"],
            &["GB-LAE-WNH", "GB-NHS-QPM"],
            "2022-09-01",
        );
    }
    s.on(
        "2023-06-01",
        "Draft Joint Health and Wellbeing Strategy for West Northamptonshire (drafting date illustrative)",
    )
    .draft(
        strategy,
        instrument::Kind::Strategy,
        "Joint Health and Wellbeing Strategy for West Northamptonshire",
        "west-northamptonshire-hwb",
        period("2023-10-01", "2028-09-30"),
        &["GB-LAE-WNH", "GB-NHS-QPM"],
        None,
        "2023-06-01",
    )
    .version(
        strategy,
        "Draft for Cabinet",
        "Joint Health and Wellbeing Strategy for West Northamptonshire, draft",
        "2023-06-01",
    );
    for (objective, title) in WEST_NORTHANTS_AMBITIONS {
        s.objective(strategy, objective, title, &["wider determinants"]);
    }
    s.on("2023-09-20", "West Northamptonshire Council Cabinet, 20 September 2023, as described by the Cabinet Member for Adult Social Care and Public Health (agenda item illustrative)")
        .meeting("west-northamptonshire-cabinet-2023-09-20", "west-northamptonshire-cabinet", "2023-09-20", "Cabinet", &[("jhws", "Joint Health and Wellbeing Strategy", None)])
        .run(resolution::Command::Record {
            id: key("west-northamptonshire-cabinet-2023-09-20-jhws"),
            body: key("west-northamptonshire-cabinet"),
            meeting: key("west-northamptonshire-cabinet-2023-09-20"),
            agenda_item: "jhws".into(),
            text: "That Cabinet endorse the draft Joint Health and Wellbeing Strategy and recommend it to the West Health and Wellbeing Board for final discussion and sign off.".into(),
            outcome: Outcome::Endorsed,
            decided_on: date("2023-09-20"),
            published_on: Some(date("2023-09-20")),
            effective_on: Some(date("2023-09-28")),
            subject_to_call_in: true,
        })
        .run(instrument::Command::Endorse {
            id: key(strategy),
            body: key("west-northamptonshire-cabinet"),
            resolution: key("west-northamptonshire-cabinet-2023-09-20-jhws"),
            endorsed_on: date("2023-09-20"),
            recommendation: Some("to the West Health and Wellbeing Board for final discussion and sign off".into()),
        });
    s.on("2023-10-03", "West Northamptonshire Health and Wellbeing Board (meeting date illustrative)")
        .meeting(
            "west-northamptonshire-hwb-2023-10-03",
            "west-northamptonshire-hwb",
            "2023-10-03",
            "Health and Wellbeing Board",
            &[("jhws", "Joint Health and Wellbeing Strategy", None)],
        )
        .resolve(
            "west-northamptonshire-hwb-2023-10-03-jhws",
            "west-northamptonshire-hwb",
            "west-northamptonshire-hwb-2023-10-03",
            "jhws",
            "2023-10-03",
            Outcome::Approved,
            "That the Joint Health and Wellbeing Strategy for West Northamptonshire be approved and signed off.",
        )
        .run(instrument::Command::Endorse {
            id: key(strategy),
            body: key("west-northamptonshire-hwb"),
            resolution: key("west-northamptonshire-hwb-2023-10-03-jhws"),
            endorsed_on: date("2023-10-03"),
            recommendation: None,
        })
        .run(instrument::Command::Adopt {
            id: key(strategy),
            party: org("GB-LAE-WNH"),
            resolution: key("west-northamptonshire-hwb-2023-10-03-jhws"),
            adopted_on: date("2023-10-03"),
        })
        .run(instrument::Command::StartDelivery { id: key(strategy), started_on: date("2023-10-03") });
    s.on("2023-10-03", "Local Area Partnership delivery plans (actions illustrative)");
    for (n, (ambition, title)) in WEST_NORTHANTS_AMBITIONS.iter().take(9).enumerate() {
        let n = n + 1;
        s.commit(
            &format!("west-northamptonshire-lap-{n}-{ambition}"),
            &format!("Local Area Partnership {n} priority: {title}"),
            "GB-LAE-WNH",
            &format!("Local Area Partnership {n} lead"),
            objective(strategy, ambition),
            None,
            "2023-10-03",
            "2024-09-30",
            1,
            None,
        );
    }
    s.on("2024-01-31", "Local Area Partnership quarterly returns (illustrative)")
        .progress(
            "west-northamptonshire-lap-1-best-start",
            Rag::Green,
            40,
            "2023/24 Q3",
            "2024-01-31",
            "Family hubs open in both market towns.",
            &[],
        )
        .progress(
            "west-northamptonshire-lap-5-housing",
            Rag::Amber,
            20,
            "2023/24 Q3",
            "2024-01-31",
            "Damp and mould task group formed with registered providers.",
            &[],
        )
        .progress(
            "west-northamptonshire-lap-6-safe",
            Rag::Red,
            10,
            "2023/24 Q3",
            "2024-01-31",
            "Community safety partner vacancy; no activity this quarter.",
            &[],
        );
    s.finish(
        "west-northamptonshire",
        "West Northamptonshire Joint Health and Wellbeing Strategy: ten ambitions, nine Local Area Partnerships",
    )
}

/// A priority of a ward plan: key, title, themes.
type Priority = (&'static str, &'static str, &'static [&'static str]);
/// A ward plan: key, ward name, priorities.
type WardPlan = (&'static str, &'static str, [Priority; 3]);

/// Rotherham: ward plans refreshed every June with priorities tagged by theme, presented to the
/// Health and Wellbeing Board, "Resolved: that the presentation be noted", and regular reporting of
/// neighbourhood activity and evidence of impact to the Board.
pub fn rotherham() -> Story {
    use organisation::Kind::*;
    let mut s = Script::new("seed:rotherham");
    let board = "rotherham-health-and-wellbeing-board";
    s.on("2023-06-01", "Rotherham ward plans 2023/24 (plan dates illustrative)")
        .register("GB-LAE-ROH", "Rotherham Metropolitan Borough Council", LocalAuthority)
        .register("GB-NHS-QF7", "NHS South Yorkshire Integrated Care Board", IntegratedCareBoard)
        .body("rotherham-cabinet", "Cabinet", body::Kind::Cabinet, &["GB-LAE-ROH"], &[], "2023-06-01")
        .body(
            board,
            "Rotherham Health and Wellbeing Board",
            body::Kind::Board,
            &["GB-LAE-ROH"],
            &["GB-LAE-ROH", "GB-NHS-QF7"],
            "2023-06-01",
        );
    let wards: [WardPlan; 3] = [
        (
            "boston-castle",
            "Boston Castle",
            [
                (
                    "community-safety",
                    "Tackle anti-social behaviour around the town centre",
                    &["crime and community safety"],
                ),
                (
                    "green-spaces",
                    "Improve Clifton Park and local green spaces",
                    &["environment", "culture, leisure, sport and green spaces"],
                ),
                ("cost-of-living", "Support residents with the cost of living", &["cost of living"]),
            ],
        ),
        (
            "keppel",
            "Keppel",
            [
                (
                    "children",
                    "Activities for children and young people in the holidays",
                    &["children and young people"],
                ),
                (
                    "loneliness",
                    "Reduce loneliness and isolation among older residents",
                    &["loneliness and isolation", "physical and mental health and wellbeing"],
                ),
                ("environment", "Tackle fly-tipping and litter", &["environment"]),
            ],
        ),
        (
            "rotherham-east",
            "Rotherham East",
            [
                ("community-safety", "Safer streets and community safety", &["crime and community safety"]),
                (
                    "health",
                    "Improve physical and mental health and wellbeing",
                    &["physical and mental health and wellbeing"],
                ),
                ("community-groups", "Support local community groups", &["supporting local community groups"]),
            ],
        ),
    ];
    for (ward, name, priorities) in &wards {
        let id = format!("rotherham-ward-plan-{ward}");
        s.draft(
            &id,
            instrument::Kind::WardPlan,
            &format!("{name} Ward Plan"),
            "rotherham-cabinet",
            period("2023-06-01", "2024-05-31"),
            &["GB-LAE-ROH"],
            None,
            "2023-06-01",
        )
        .version(&id, "2023/24", &format!("{name} Ward Plan 2023/24"), "2023-06-01");
        for (objective, title, themes) in priorities {
            s.objective(&id, objective, title, themes);
        }
    }
    s.on("2023-09-20", "Rotherham Health and Wellbeing Board, Ward Plans, presented by the Head of Neighbourhoods (meeting date and minute number illustrative)")
        .meeting("rotherham-hwb-2023-09-20", board, "2023-09-20", "Health and Wellbeing Board", &[("ward-plans", "Ward Plans", None)])
        .resolve("rotherham-hwb-2023-09-20-ward-plans", board, "rotherham-hwb-2023-09-20", "ward-plans", "2023-09-20", Outcome::Noted, "Resolved:- That the presentation be noted.")
        .commit(
            "rotherham-neighbourhood-reporting",
            "Regular reporting on activity taking place in neighbourhoods to the Board and providing evidence of impact",
            "GB-LAE-ROH",
            "Head of Neighbourhoods",
            None,
            Some("rotherham-hwb-2023-09-20-ward-plans"),
            "2023-09-20",
            "2024-03-31",
            1,
            None,
        )
        .commit(
            "rotherham-public-health-baselines",
            "Seek baseline data from Public Health for neighbourhood projects such as oral health",
            "GB-LAE-ROH",
            "Director of Public Health",
            None,
            Some("rotherham-hwb-2023-09-20-ward-plans"),
            "2023-09-20",
            "2023-12-31",
            1,
            None,
        );
    s.on("2024-01-24", "Rotherham neighbourhoods update to the Board (illustrative)")
        .progress(
            "rotherham-neighbourhood-reporting",
            Rag::Green,
            50,
            "2023/24 Q3",
            "2024-01-24",
            "First quarterly neighbourhoods report taken by the Board, with case studies from six wards.",
            &["Rotherham HWB neighbourhoods update, January 2024"],
        )
        .progress(
            "rotherham-public-health-baselines",
            Rag::Amber,
            30,
            "2023/24 Q3",
            "2024-01-24",
            "Oral health baseline agreed; other projects rely on case studies and anecdotal evidence.",
            &[],
        );
    s.finish("rotherham", "Rotherham ward plans and the Health and Wellbeing Board")
}

/// Walsall: whg, a housing association, with health partners in the Walsall Together place-based
/// partnership; community champions funded by health; the model taken to the Black Country Health
/// and Social Housing Forum for housing providers across the region.
pub fn walsall() -> Story {
    use organisation::Kind::*;
    let mut s = Script::new("seed:walsall");
    let model = "walsall-together-health-and-housing-model";
    s.on("2019-04-01", "whg news, 29 June 2023: whg started working formally with health partners in Walsall in 2019 when Walsall Together was established (dates illustrative)")
        .register("LOCAL-WHG", "whg", HousingAssociation)
        .register("GB-LAE-WLL", "Walsall Metropolitan Borough Council", LocalAuthority)
        .register("LOCAL-WALSALL-TOGETHER", "Walsall Together", Partnership)
        .body("walsall-together-partnership-board", "Walsall Together Partnership Board", body::Kind::PartnershipGroup, &["LOCAL-WALSALL-TOGETHER"], &["LOCAL-WHG", "GB-LAE-WLL"], "2019-04-01")
        .draft(model, instrument::Kind::Programme, "whg and Walsall Together health and housing partnership", "walsall-together-partnership-board", None, &["LOCAL-WHG", "GB-LAE-WLL"], None, "2019-04-01")
        .version(model, "2019", "Walsall Together health and housing partnership model, 2019", "2019-04-01")
        .objective(model, "loneliness", "Reduce loneliness and isolation using social prescribing", &["loneliness and isolation", "mental health"])
        .objective(model, "community-champions", "Community champions bring local people into advice and healthcare services", &["access to health", "lived experience"])
        .objective(model, "prevention", "Prevention and early take-up of screening for illnesses such as diabetes and cancer", &["prevention"])
        .objective(model, "regional-model", "Embed the partnership model across the Black Country housing sector", &["housing", "regional"]);
    s.on("2022-07-01", "Health and Care Act 2022: NHS Black Country Integrated Care Board")
        .register("GB-NHS-QUA", "NHS Black Country Integrated Care Board", IntegratedCareBoard)
        .run(instrument::Command::AddParty { id: key(model), party: org("GB-NHS-QUA") })
        .run(body::Command::AddMember {
            id: key("walsall-together-partnership-board"),
            organisation: org("GB-NHS-QUA"),
            joined_on: date("2022-07-01"),
        })
        .body(
            "black-country-health-and-social-housing-forum",
            "Black Country Health and Social Housing Forum",
            body::Kind::Forum,
            &["GB-NHS-QUA"],
            &["GB-NHS-QUA", "LOCAL-WHG"],
            "2022-07-01",
        )
        .commit(
            "whg-community-champions",
            "Maintain a network of community champions funded by health",
            "LOCAL-WHG",
            "Corporate Director of Operations & IT",
            objective(model, "community-champions"),
            None,
            "2022-07-01",
            "2024-03-31",
            2,
            None,
        )
        .commit(
            "whg-social-prescribing",
            "Social prescribing for customers at risk of loneliness and isolation",
            "LOCAL-WHG",
            "Head of Communities",
            objective(model, "loneliness"),
            None,
            "2022-07-01",
            "2023-03-31",
            1,
            None,
        )
        .commit(
            "whg-housing-development-programme",
            "Run a four-day development programme for Black Country housing professionals",
            "LOCAL-WHG",
            "Corporate Director of Operations & IT",
            objective(model, "regional-model"),
            None,
            "2022-07-01",
            "2023-12-31",
            1,
            None,
        )
        .run(indicator::Command::Define {
            id: key("whg-social-prescribing-referrals"),
            title: "whg customers referred through social prescribing".into(),
            unit: "customers".into(),
            polarity: indicator::Polarity::HigherIsBetter,
            owner: org("LOCAL-WHG"),
            towards: objective(model, "loneliness"),
        })
        .run(indicator::Command::SetBaseline {
            id: key("whg-social-prescribing-referrals"),
            value: 310.0,
            as_of: date("2022-03-31"),
            source: "whg community services records (figure illustrative)".into(),
        })
        .run(indicator::Command::SetTarget {
            id: key("whg-social-prescribing-referrals"),
            value: 450.0,
            due_on: date("2023-03-31"),
        });
    s.on("2023-03-31", "whg community services records 2022/23 (figure illustrative)").run(
        indicator::Command::RecordMeasurement {
            id: key("whg-social-prescribing-referrals"),
            value: 428.0,
            as_of: date("2023-03-31"),
            note: None,
        },
    );
    s.on("2023-06-29", "whg news, 29 June 2023; West Midlands Mental Health Commission report (progress figures illustrative)")
        .progress("whg-community-champions", Rag::Green, 60, "2023/24 Q1", "2023-06-29", "Champions use their lived experience to encourage local people into advice and local healthcare services; praised in the West Midlands Mental Health Commission report.", &["West Midlands Mental Health Commission report, June 2023"])
        .progress("whg-housing-development-programme", Rag::Green, 50, "2023/24 Q1", "2023-06-29", "Forum set up with the Black Country ICB; first cohort of housing professionals attending.", &[])
        .progress("whg-social-prescribing", Rag::Amber, 80, "2023/24 Q1", "2023-06-29", "Referrals continuing; evaluation not yet complete.", &[]);
    s.finish("walsall", "whg and Walsall Together: a housing association in a place-based partnership")
}
