//! An append whose answer is lost is sent again unchanged and recognised by the store, so the
//! command is recorded once.

use std::sync::Arc;

use app::Recorder;
use domain::organisation;
use domain::testing::org;
use kernel::Position;
use tests::{Interposed, TestStore, on_both_backends};

use super::{everything, now, submission};

on_both_backends!(an_append_whose_answer_is_lost_is_recorded_once);

fn register() -> organisation::Command {
    organisation::Command::Register {
        id: org("GB-LAE-WLI"),
        name: "West Lindsey District Council".into(),
        kind: organisation::Kind::LocalAuthority,
        identifiers: vec![],
    }
}

async fn an_append_whose_answer_is_lost_is_recorded_once(db: &TestStore) {
    let recorder = Recorder::new(Arc::new(Interposed::new(db.shared()).losing_answers(1)));
    let recorded = recorder.record(&submission(register()), now()).await.expect("recorded after a resend");
    assert_eq!(recorded.events.len(), 1);
    assert_eq!(recorded.events[0].position, Position(1));
    assert_eq!(everything(db.store()).await.len(), 1, "recorded once");

    let silent = Recorder::new(Arc::new(Interposed::new(db.shared()).losing_answers(usize::MAX)));
    let rename = organisation::Command::Rename {
        id: org("GB-LAE-WLI"),
        name: "West Lindsey Council".into(),
        effective_on: domain::testing::date("2024-04-01"),
    };
    let message = silent.record(&submission(rename), now()).await.expect_err("never answered").to_string();
    assert!(message.contains("it is not known whether the command was recorded"), "{message}");
    assert_eq!(everything(db.store()).await.len(), 2, "the rename was written once, though never acknowledged");
}
