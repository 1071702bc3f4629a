//! The five seed stories as scenarios: every command is accepted, in order, and the final states
//! are the ones the papers describe; every step names the paper and the passage it comes from, or
//! says it is illustrative, and every passage it quotes is in that paper.

use std::path::Path;

use app::seeds::{self, Story};
use domain::instrument::Status;
use domain::memory::Ledger;
use domain::{Facts, Key, OrgId, commitment, rag};

/// The papers the stories come from: the name a step's source gives each, and its file among the
/// seed documents (`../shared/seeds` beside the repository).
const PAPERS: [(&str, &str); 5] = [
    ("West Northamptonshire Council, Cllr Matt Golby, 20 September 2023", "000_a443a4e604484c0e.txt"),
    ("Rotherham Health and Wellbeing Board, minute on Ward Plans", "001_0adb318e310c7003.txt"),
    ("Bexley Joint Local Health and Wellbeing Strategy 2023 to 2028, introduction", "002_dc1c6ec3f328d608.txt"),
    ("whg news, 29 June 2023", "003_66488c0e9a46b732.txt"),
    ("West Lindsey District Council, minute 45", "004_b4b51db44b626229.txt"),
];

/// The paper a source names: the source starts with the paper's name and a colon.
fn paper_named(source: &str) -> Option<(&'static str, &'static str)> {
    PAPERS.into_iter().find(|(name, _)| source.strip_prefix(name).is_some_and(|rest| rest.starts_with(':')))
}

/// The passages a source quotes: the text between each pair of straight double quotes.
fn quotes(source: &str) -> Vec<&str> {
    source.split('"').skip(1).step_by(2).collect()
}

/// Runs of whitespace as one space, so that a quotation need not copy the paper's line breaks.
fn spaced(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lists every demo step without a seed source: a source must name one of the papers and quote
/// it, or say that the step is illustrative.
#[test]
fn every_demo_step_names_its_paper_or_says_it_is_illustrative() {
    let mut unsourced = Vec::new();
    for story in seeds::stories() {
        for (i, step) in story.steps.iter().enumerate() {
            let source = step.source.as_str();
            let named = paper_named(source).is_some();
            let wrong = if !named && !source.contains("illustrative") {
                Some("names no paper and does not say it is illustrative")
            } else if !named && !quotes(source).is_empty() {
                Some("quotes a passage without naming its paper")
            } else if named && quotes(source).is_empty() {
                Some("names a paper but quotes no passage of it")
            } else {
                None
            };
            if let Some(wrong) = wrong {
                unsourced.push(format!("{} step {}: {wrong}: {source:?}", story.key, i + 1));
            }
        }
    }
    assert!(unsourced.is_empty(), "demo steps without a seed source:\n{}", unsourced.join("\n"));
}

#[test]
fn every_quoted_passage_is_in_the_paper_it_names() {
    let papers = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
    if !papers.is_dir() {
        println!("SKIPPED every_quoted_passage_is_in_the_paper_it_names: no seed papers at {}", papers.display());
        return;
    }
    let mut missing = Vec::new();
    let mut checked = 0;
    for story in seeds::stories() {
        for (i, step) in story.steps.iter().enumerate() {
            let Some((name, file)) = paper_named(&step.source) else { continue };
            let paper = std::fs::read_to_string(papers.join(file)).expect("the seed paper is readable");
            let paper = spaced(&paper);
            for quote in quotes(&step.source) {
                checked += 1;
                if !paper.contains(&spaced(quote)) {
                    missing.push(format!("{} step {}: {quote:?} is not in {name}", story.key, i + 1));
                }
            }
        }
    }
    assert!(missing.is_empty(), "quoted passages not in their papers:\n{}", missing.join("\n"));
    assert!(checked > 100, "only {checked} passages checked");
}

#[test]
fn every_line_of_every_story_file_is_a_step() {
    for file in &seeds::FILES {
        let story = seeds::parse_story(file).unwrap_or_else(|errors| {
            panic!("{}: {}", file.key, errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
        });
        assert_eq!(story.steps.len(), file.text.lines().filter(|l| !l.trim().is_empty()).count(), "{}", file.key);
    }
}

#[test]
fn a_step_without_a_date_needs_occurred_at_and_a_dated_one_keeps_its_own() {
    let register = r#"{"command":{"aggregate":"organisation","command":"register","id":"GB-LAE-WLI","name":"West Lindsey District Council","kind":"local_authority"},"source":"illustrative"}"#;
    let file = seeds::StoryFile { key: "test", title: "test", text: register };
    let errors = seeds::parse_story(&file).expect_err("no occurred_at");
    assert!(errors[0].message.contains("give occurred_at"), "{}", errors[0]);
    let disagrees = r#"{"occurred_at":"2021-03-10","command":{"aggregate":"meeting","command":"hold","id":"m","held_on":"2021-03-09"},"source":"illustrative"}"#;
    let file = seeds::StoryFile { key: "test", title: "test", text: disagrees };
    let errors = seeds::parse_story(&file).expect_err("occurred_at on another day");
    assert!(errors[0].message.contains("2021-03-09 (held_on)"), "{}", errors[0]);
    let dated = r#"{"command":{"aggregate":"meeting","command":"hold","id":"m","held_on":"2021-03-09"},"source":"illustrative"}"#;
    let story = seeds::parse_story(&seeds::StoryFile { key: "test", title: "test", text: dated }).expect("a step");
    assert_eq!(story.steps[0].occurred_at, kernel::Timestamp::parse("2021-03-09").expect("a date"));
    assert_eq!(story.steps[0].actor, "seed:test");
}

fn key(text: &str) -> Key {
    Key::parse(text).expect("key")
}

fn org(text: &str) -> OrgId {
    OrgId::parse(text).expect("org")
}

fn run(stories: &[Story]) -> (Ledger, Facts) {
    let mut ledger = Ledger::new();
    for story in stories {
        for (i, step) in story.steps.iter().enumerate() {
            if let Err(e) = ledger.execute(&step.command, step.occurred_at) {
                panic!("{} step {i} refused: {e}\n{:?}", story.key, step.command);
            }
        }
    }
    let facts = ledger.all_facts().expect("facts");
    (ledger, facts)
}

#[test]
fn every_story_runs_alone_and_all_run_together() {
    for story in seeds::stories() {
        run(std::slice::from_ref(&story));
        assert!(story.steps.iter().all(|s| !s.source.is_empty() && s.actor.starts_with("seed:")), "{}", story.key);
    }
    let (ledger, _) = run(&seeds::stories());
    assert!(ledger.streams().count() > 80);
}

/// Each step happened when its command says: a step with a date of its own gives an
/// `occurred_at` on that day, as recording it through the application layer requires.
#[test]
fn every_step_happened_on_the_day_its_command_says() {
    let mut wrong = Vec::new();
    for story in seeds::stories() {
        for (i, step) in story.steps.iter().enumerate() {
            if let Err(e) = domain::when::occurred_at(&step.command, Some(step.occurred_at), step.occurred_at) {
                wrong.push(format!("{} step {i} ({}): {e}", story.key, step.source));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn stories_are_in_date_order() {
    for story in seeds::stories() {
        for pair in story.steps.windows(2) {
            assert!(
                pair[0].occurred_at <= pair[1].occurred_at,
                "{}: {:?} then {:?}",
                story.key,
                pair[0].source,
                pair[1].source
            );
        }
    }
}

#[test]
fn lincolnshire_chain_from_mou_to_adoption_and_delivery() {
    let (_, facts) = run(&[seeds::lincolnshire()]);
    let mou = &facts.instruments[&key("lincolnshire-housing-health-care-mou")];
    assert_eq!(mou.endorsements[0].endorsed_on.to_string(), "2018-01-29");
    assert!(mou.party(&org("GB-LAE-WLI")).expect("party").has_signed());

    let blueprint = &facts.instruments[&key("lincolnshire-homes-for-independence-blueprint")];
    assert_eq!(blueprint.builds_on, Some(key("lincolnshire-housing-health-care-mou")));
    let endorsement = &blueprint.endorsements[0];
    assert_eq!(endorsement.body, key("lincolnshire-health-and-wellbeing-board"));
    assert_eq!(endorsement.endorsed_on.to_string(), "2020-12-01");
    assert!(endorsement.recommendation.as_deref().is_some_and(|r| r.contains("relevant partners adopt")));
    let wl = blueprint.party(&org("GB-LAE-WLI")).expect("party");
    assert_eq!(wl.adopted.as_ref().map(|a| a.resolution.clone()), Some(key("west-lindsey-pcc-2021-03-09-45")));
    assert!(!blueprint.party(&org("GB-LAE-LIC")).expect("party").has_adopted());
    assert_eq!(blueprint.status, Status::InDelivery);
    assert_eq!(blueprint.objectives.len(), 4);

    let minute = &facts.resolutions[&key("west-lindsey-pcc-2021-03-09-45")];
    assert_eq!(minute.minute_number.as_deref(), Some("45"));
    assert!(minute.text.starts_with("RESOLVED that West Lindsey District Council adopt"));
}

#[test]
fn lincolnshire_successor_inherits_the_open_action() {
    let (_, facts) = run(&[seeds::lincolnshire()]);
    let ccg = &facts.organisations[&org("GB-NHS-71E")];
    assert_eq!(ccg.successor, Some(org("GB-NHS-QJM")));
    let action = &facts.commitments[&key("hhcdg-discharge-housing-support")];
    assert_eq!(action.organisation, Some(org("GB-NHS-QJM")));
    assert_eq!(action.previous_organisations, vec![org("GB-NHS-71E")]);
    let pending = commitment::succession_transfers(
        &org("GB-NHS-71E"),
        &org("GB-NHS-QJM"),
        ccg.succeeded_on.expect("date"),
        facts.commitments.values(),
    );
    assert!(pending.is_empty(), "every open commitment was transferred: {pending:?}");
}

#[test]
fn lincolnshire_delivery_plan_rolls_up_and_shows_overdue_work() {
    let (_, facts) = run(&[seeds::lincolnshire()]);
    let today = domain::Date::from_ymd_opt(2023, 6, 1).expect("date");
    let children: Vec<_> =
        facts.commitments.values().filter(|c| c.parent == Some(key("hhcdg-delivery-plan"))).collect();
    assert_eq!(children.len(), 3);
    let evidence = &facts.commitments[&key("hhcdg-specialist-housing-evidence")];
    assert!(evidence.is_overdue(today));
    assert_eq!(rag::rate_commitment(&rag::RagRule::AsReported, evidence, today), Some(rag::Rag::Red));
    let parts: Vec<(u32, f64)> = children.iter().map(|c| (c.weight, f64::from(c.percent_complete()))).collect();
    let weighted = rag::roll_up(rag::RollUp::Weighted, &parts).expect("children");
    let mean = rag::roll_up(rag::RollUp::Mean, &parts).expect("children");
    assert!((weighted - (2.0 * 60.0 + 100.0 + 55.0) / 4.0).abs() < 1e-9, "{weighted}");
    assert!((mean - (60.0 + 100.0 + 55.0) / 3.0).abs() < 1e-9, "{mean}");
    let dfg = &facts.indicators[&key("west-lindsey-dfg-completions")];
    assert_eq!(dfg.measurements.first().map(|m| m.value), Some(114.0));
    assert_eq!(dfg.revisions, 1);
    assert_eq!(rag::rate_indicator(0.1, dfg, today), Some(rag::Rag::Amber));
}

#[test]
fn bexley_strategy_signed_off_with_priorities_and_action_plan() {
    let (_, facts) = run(&[seeds::bexley()]);
    let strategy = &facts.instruments[&key("bexley-jlhws-2023-2028")];
    assert_eq!(strategy.status, Status::InDelivery);
    assert_eq!(strategy.versions.len(), 2);
    let period = strategy.period.as_ref().expect("period");
    assert_eq!((period.from.to_string(), period.to.to_string()), ("2023-04-01".into(), "2028-03-31".into()));
    let titles: Vec<&str> = strategy.objectives.iter().map(|o| o.title.as_str()).collect();
    assert_eq!(titles, ["Mental health", "Children and Young People", "Ageing well"]);
    let plan = &facts.instruments[&key("bexley-joint-integrated-action-plan")];
    assert_eq!(plan.builds_on, Some(key("bexley-jlhws-2023-2028")));
    // "That the Joint Local Health and Wellbeing Strategy 2023 to 2028 and the joint integrated
    // action plan be approved": the plan is endorsed and adopted by that resolution, and delivered.
    assert_eq!(plan.status, Status::InDelivery);
    assert_eq!(plan.endorsements[0].resolution, key("bexley-hwb-2023-03-16-jlhws"));
    let adopted = plan.party(&org("GB-LAE-BEX")).and_then(|p| p.adopted.as_ref()).expect("adopted by Bexley");
    assert_eq!(adopted.resolution, key("bexley-hwb-2023-03-16-jlhws"));
    assert_eq!(facts.commitments[&key("bexley-suicide-prevention-plan")].status, commitment::Status::Completed);
}

#[test]
fn west_northamptonshire_via_cabinet_then_board_with_ten_ambitions_and_nine_laps() {
    let (_, facts) = run(&[seeds::west_northamptonshire()]);
    let strategy = &facts.instruments[&key("west-northamptonshire-jhws")];
    let bodies: Vec<&str> = strategy.endorsements.iter().map(|e| e.body.as_str()).collect();
    assert_eq!(bodies, ["west-northamptonshire-cabinet", "west-northamptonshire-hwb"]);
    assert_eq!(strategy.objectives.len(), 10);
    let laps = facts.bodies.values().filter(|b| b.kind == Some(domain::body::Kind::LocalAreaPartnership)).count();
    assert_eq!(laps, 9);
    assert_eq!(facts.organisations[&org("GB-LAE-NTH")].successor, Some(org("GB-LAE-WNH")));
    let cabinet = &facts.resolutions[&key("west-northamptonshire-cabinet-2023-09-20-jhws")];
    assert!(cabinet.subject_to_call_in && cabinet.is_in_force());
    // "local authority, health, police and fire service, town and parishes, voluntary and
    // community sector organisations": every kind of partner sits on the board.
    let board = &facts.bodies[&key("west-northamptonshire-hwb")];
    let kinds: Vec<_> = board.members.iter().filter_map(|m| facts.organisations.get(m).and_then(|o| o.kind)).collect();
    use domain::organisation::Kind;
    for kind in [
        Kind::LocalAuthority,
        Kind::IntegratedCareBoard,
        Kind::Police,
        Kind::Fire,
        Kind::ParishTownCouncil,
        Kind::VoluntaryCommunity,
    ] {
        assert!(kinds.contains(&kind), "no {kind:?} partner on the board: {kinds:?}");
    }
}

/// Integrated care boards were established on 1 July 2022: no story registers one, or gives one
/// a seat, before then.
#[test]
fn no_integrated_care_board_appears_before_1_july_2022() {
    let established = kernel::Timestamp::parse("2022-07-01").expect("a date");
    for story in seeds::stories() {
        let (_, facts) = run(std::slice::from_ref(&story));
        for step in &story.steps {
            let ids: Vec<OrgId> = match &step.command {
                domain::Command::Organisation(domain::organisation::Command::Register { id, .. }) => vec![id.clone()],
                domain::Command::Body(domain::body::Command::Establish { members, .. }) => members.clone(),
                domain::Command::Body(domain::body::Command::AddMember { organisation, .. }) => {
                    vec![organisation.clone()]
                }
                _ => Vec::new(),
            };
            for id in ids {
                let icb = facts.organisations[&id].kind == Some(domain::organisation::Kind::IntegratedCareBoard);
                assert!(!icb || step.occurred_at >= established, "{}: {id} at {}", story.key, step.occurred_at);
            }
        }
    }
}

#[test]
fn rotherham_ward_plans_tag_priorities_and_the_board_notes_them() {
    let (_, facts) = run(&[seeds::rotherham()]);
    let plans: Vec<_> =
        facts.instruments.values().filter(|i| i.kind == Some(domain::instrument::Kind::WardPlan)).collect();
    // The paper gives 25 wards and, for each theme, how many wards' plans include it; it names no
    // ward. The plans of 2023/24 are one instrument, with the paper's counts as its objectives.
    assert_eq!(plans.len(), 1);
    let plan = plans[0];
    assert!(plan.title.contains("25 wards"), "{}", plan.title);
    assert_eq!(plan.objectives.len(), 15);
    assert!(plan.objectives.iter().all(|o| !o.themes.is_empty()));
    assert!(plan.objectives.iter().any(|o| o.title == "Crime and community safety (21 wards)"));
    // Refreshed and published annually in June: the 2023/24 period ended on 31 May 2024.
    assert_eq!(plan.status, Status::Expired);
    let noted = &facts.resolutions[&key("rotherham-hwb-2023-09-20-ward-plans")];
    assert_eq!(noted.outcome, Some(domain::resolution::Outcome::Noted));
    assert_eq!(noted.text, "Resolved:- That the presentation be noted.");
    let action = &facts.commitments[&key("rotherham-neighbourhood-reporting")];
    assert_eq!(action.body, Some(key("rotherham-health-and-wellbeing-board")));
}

#[test]
fn walsall_housing_association_in_a_place_based_partnership() {
    let (_, facts) = run(&[seeds::walsall()]);
    let model = &facts.instruments[&key("walsall-together-health-and-housing-model")];
    // "whg started working formally with health partners in Walsall in 2019".
    assert_eq!(model.status, Status::InDelivery);
    assert!(model.party(&org("LOCAL-WHG")).expect("whg is a party").has_adopted());
    assert_eq!(model.endorsements[0].endorsed_on.to_string(), "2019-04-01");
    assert_eq!(facts.organisations[&org("LOCAL-WHG")].kind, Some(domain::organisation::Kind::HousingAssociation));
    let forum = &facts.bodies[&key("black-country-health-and-social-housing-forum")];
    assert!(forum.members.contains(&org("LOCAL-WHG")));
    let today = domain::Date::from_ymd_opt(2023, 7, 1).expect("date");
    assert!(facts.commitments[&key("whg-social-prescribing")].is_overdue(today));
}

/// A ledger decides a command against the state it kept of the command's stream, folded as
/// earlier commands were decided: the further story decided on the seeded ledger gives the same
/// events, command by command, as on a ledger holding only the same histories, which folds each
/// stream from its events.
#[test]
fn a_kept_state_decides_as_the_history_it_was_folded_from() {
    let mut kept = seeds::seeded();
    let mut afresh = Ledger::new();
    for (stream, events) in kept.streams() {
        assert!(kept.folded(stream).is_some(), "the seeded ledger kept the state of {stream}");
        afresh.load(stream.clone(), events.to_vec());
        assert!(afresh.folded(stream).is_none(), "a ledger given only the events of {stream} keeps no state of it");
    }
    for command in domain::testing::further_commands() {
        let now = domain::testing::default_now();
        assert_eq!(kept.execute_traced(&command, now), afresh.execute_traced(&command, now), "{command:?}");
    }
    assert!(kept == afresh, "both ledgers hold the same events");
}
