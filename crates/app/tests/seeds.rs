//! The five seed stories as scenarios: every command is accepted, in order, and the final states
//! are the ones the papers describe.

use app::seeds::{self, Story};
use domain::instrument::Status;
use domain::memory::Ledger;
use domain::{Facts, Key, OrgId, commitment, rag};

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
}

#[test]
fn rotherham_ward_plans_tag_priorities_and_the_board_notes_them() {
    let (_, facts) = run(&[seeds::rotherham()]);
    let plans: Vec<_> =
        facts.instruments.values().filter(|i| i.kind == Some(domain::instrument::Kind::WardPlan)).collect();
    assert_eq!(plans.len(), 3);
    assert!(plans.iter().flat_map(|p| &p.objectives).all(|o| !o.themes.is_empty()));
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
    assert!(model.party(&org("GB-NHS-QUA")).is_some());
    assert_eq!(facts.organisations[&org("LOCAL-WHG")].kind, Some(domain::organisation::Kind::HousingAssociation));
    let forum = &facts.bodies[&key("black-country-health-and-social-housing-forum")];
    assert!(forum.members.contains(&org("LOCAL-WHG")));
    let today = domain::Date::from_ymd_opt(2023, 7, 1).expect("date");
    assert!(facts.commitments[&key("whg-social-prescribing")].is_overdue(today));
}
