//! The Body aggregate: a decision-making forum (board, committee, cabinet, partnership group,
//! local area partnership, forum) with its parent organisations and member organisations, who
//! join and leave over time.

use kernel::StreamId;
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::ids::{body_stream, organisation_stream};
use crate::translation::{self, Field, Language, Translation, Translations};
use crate::values::{Date, Key, OrgId, has_text};
use crate::when::Happened;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Board,
    Committee,
    Cabinet,
    PartnershipGroup,
    LocalAreaPartnership,
    Forum,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    Establish {
        id: Key,
        name: String,
        kind: Kind,
        /// The organisations the body belongs to, such as the council whose committee it is.
        parents: Vec<OrgId>,
        #[serde(default)]
        members: Vec<OrgId>,
        #[serde(deserialize_with = "crate::values::strict_date")]
        established_on: Date,
    },
    AddMember {
        id: Key,
        organisation: OrgId,
        #[serde(deserialize_with = "crate::values::strict_date")]
        joined_on: Date,
    },
    RemoveMember {
        id: Key,
        organisation: OrgId,
        #[serde(deserialize_with = "crate::values::strict_date")]
        left_on: Date,
    },
    Abolish {
        id: Key,
        #[serde(deserialize_with = "crate::values::strict_date")]
        abolished_on: Date,
    },
    /// Records the body's name in Welsh; a later translation replaces it.
    Translate { id: Key, field: Field, language: Language, text: String },
}

crate::command_ids!(Key, body_stream: Establish, AddMember, RemoveMember, Abolish, Translate);

impl Command {
    /// The day the command says this happened, and the field that says so; a translation
    /// carries no date of its own.
    pub fn happened_on(&self) -> Option<Happened> {
        Some(match self {
            Command::Establish { established_on, .. } => Happened::new("established_on", *established_on),
            Command::AddMember { joined_on, .. } => Happened::new("joined_on", *joined_on),
            Command::RemoveMember { left_on, .. } => Happened::new("left_on", *left_on),
            Command::Abolish { abolished_on, .. } => Happened::new("abolished_on", *abolished_on),
            Command::Translate { .. } => return None,
        })
    }

    pub fn references(&self) -> Vec<StreamId> {
        match self {
            Command::Establish { parents, members, .. } => {
                let mut orgs: Vec<&OrgId> = parents.iter().chain(members).collect();
                orgs.sort();
                orgs.dedup();
                orgs.into_iter().map(organisation_stream).collect()
            }
            Command::AddMember { organisation, .. } => vec![organisation_stream(organisation)],
            Command::Translate { .. } | Command::RemoveMember { .. } | Command::Abolish { .. } => Vec::new(),
        }
    }
}

crate::events! {
    pub enum Event {
        Established { id: Key, name: String, kind: Kind, parents: Vec<OrgId>, members: Vec<OrgId>, established_on: Date },
        MemberJoined { organisation: OrgId, joined_on: Date },
        MemberLeft { organisation: OrgId, left_on: Date },
        Abolished { abolished_on: Date },
        Translated { field: Field, language: Language, text: String },
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub id: Option<Key>,
    pub name: String,
    pub kind: Option<Kind>,
    pub parents: Vec<OrgId>,
    pub members: Vec<OrgId>,
    /// Every membership the body has had, current and past, in the order they began.
    #[serde(default)]
    pub memberships: Vec<Membership>,
    pub established_on: Option<Date>,
    pub abolished_on: Option<Date>,
    /// Its name in Welsh.
    #[serde(default)]
    pub welsh: Translations,
}

/// One organisation's membership of a body: from its establishment or the day it joined, until
/// the day it left.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub organisation: OrgId,
    pub joined_on: Date,
    pub left_on: Option<Date>,
}

impl State {
    pub fn exists(&self) -> bool {
        self.id.is_some()
    }

    pub fn is_active(&self) -> bool {
        self.exists() && self.abolished_on.is_none()
    }
}

crate::errors! {
    #[derive(Clone, Debug, PartialEq, thiserror::Error)]
    pub enum Error {
        #[error("body {0} is already established: choose another key for a new body")]
        AlreadyEstablished(Key),
        #[error("body {0} is not established: establish it first")]
        NotEstablished(Key),
        #[error("body {0} was abolished on {1}: record this against the body that replaced it")]
        Abolished(Key, Date),
        #[error("body name is empty: give the name the body uses in its minutes")]
        EmptyName,
        #[error("body has no parent organisation: name the organisation or organisations it belongs to")]
        NoParent,
        #[error("organisation {0} is not registered: register it before naming it on a body")]
        UnknownOrganisation(OrgId),
        #[error("organisation {0} is no longer active: name its successor instead")]
        InactiveOrganisation(OrgId),
        #[error("organisation {0} is already a member: nothing to add")]
        AlreadyMember(OrgId),
        #[error("organisation {0} is not a member: only a member can leave")]
        NotMember(OrgId),
    }
    in_future: "{0}: record it on or after the day it happens",
}

/// The fields of a body that may be translated.
pub const TRANSLATED: &[Field] = &[Field::Name];

pub fn decide(state: &State, command: &Command, ctx: &Context) -> Result<Vec<Event>, Error> {
    let check_org = |org: &OrgId| match ctx.facts.organisations.get(org) {
        Some(o) if o.is_active() => Ok(()),
        Some(_) => Err(Error::InactiveOrganisation(org.clone())),
        None => Err(Error::UnknownOrganisation(org.clone())),
    };
    if let Command::Establish { id, name, kind, parents, members, established_on } = command {
        if state.exists() {
            return Err(Error::AlreadyEstablished(id.clone()));
        }
        if !has_text(name) {
            return Err(Error::EmptyName);
        }
        if parents.is_empty() {
            return Err(Error::NoParent);
        }
        parents.iter().chain(members).try_for_each(check_org)?;
        ctx.not_future("establishment", *established_on)?;
        let mut unique = Vec::new();
        for m in members {
            if !unique.contains(m) {
                unique.push(m.clone());
            }
        }
        return Ok(vec![Event::Established {
            id: id.clone(),
            name: name.trim().to_owned(),
            kind: *kind,
            parents: parents.clone(),
            members: unique,
            established_on: *established_on,
        }]);
    }
    let id = command.id();
    if !state.exists() {
        return Err(Error::NotEstablished(id.clone()));
    }
    // An abolished body's name is still on the record of what it decided.
    if let Command::Translate { field, language, text, .. } = command {
        translation::check("body", TRANSLATED, *field, text)?;
        return Ok(vec![Event::Translated { field: *field, language: *language, text: text.clone() }]);
    }
    if let Some(on) = state.abolished_on {
        return Err(Error::Abolished(id.clone(), on));
    }
    match command {
        Command::Establish { .. } | Command::Translate { .. } => Ok(Vec::new()),
        Command::AddMember { organisation, joined_on, .. } => {
            if state.members.contains(organisation) {
                return Err(Error::AlreadyMember(organisation.clone()));
            }
            check_org(organisation)?;
            ctx.not_future("joining", *joined_on)?;
            Ok(vec![Event::MemberJoined { organisation: organisation.clone(), joined_on: *joined_on }])
        }
        Command::RemoveMember { organisation, left_on, .. } => {
            if !state.members.contains(organisation) {
                return Err(Error::NotMember(organisation.clone()));
            }
            ctx.not_future("leaving", *left_on)?;
            Ok(vec![Event::MemberLeft { organisation: organisation.clone(), left_on: *left_on }])
        }
        Command::Abolish { abolished_on, .. } => {
            ctx.not_future("abolition", *abolished_on)?;
            Ok(vec![Event::Abolished { abolished_on: *abolished_on }])
        }
    }
}

pub fn evolve(mut state: State, event: &Event) -> State {
    match event {
        Event::Established { id, name, kind, parents, members, established_on } => {
            state.id = Some(id.clone());
            state.name = name.clone();
            state.kind = Some(*kind);
            state.parents = parents.clone();
            state.members = members.clone();
            state.memberships = members
                .iter()
                .map(|m| Membership { organisation: m.clone(), joined_on: *established_on, left_on: None })
                .collect();
            state.established_on = Some(*established_on);
        }
        Event::MemberJoined { organisation, joined_on } => {
            state.members.push(organisation.clone());
            state.memberships.push(Membership {
                organisation: organisation.clone(),
                joined_on: *joined_on,
                left_on: None,
            });
        }
        Event::MemberLeft { organisation, left_on } => {
            state.members.retain(|m| m != organisation);
            if let Some(open) =
                state.memberships.iter_mut().rev().find(|m| &m.organisation == organisation && m.left_on.is_none())
            {
                open.left_on = Some(*left_on);
            }
        }
        Event::Abolished { abolished_on } => state.abolished_on = Some(*abolished_on),
        Event::Translated { field, language, text } => state.welsh.set(Translation::whole(*field, *language, text)),
    }
    state
}

/// The commands that pass `predecessor`'s seats to `successor` on `effective_on`: on every body
/// still active of which the predecessor is a member, its membership ends and the successor's
/// begins (unless the successor is a member already). `bodies` are the states the caller holds.
pub fn succession_changes<'a>(
    predecessor: &OrgId,
    successor: &OrgId,
    effective_on: Date,
    bodies: impl IntoIterator<Item = &'a State>,
) -> Vec<Command> {
    let mut commands = Vec::new();
    for body in bodies.into_iter().filter(|b| b.is_active() && b.members.contains(predecessor)) {
        let Some(id) = body.id.clone() else { continue };
        commands.push(Command::RemoveMember {
            id: id.clone(),
            organisation: predecessor.clone(),
            left_on: effective_on,
        });
        if !body.members.contains(successor) {
            commands.push(Command::AddMember { id, organisation: successor.clone(), joined_on: effective_on });
        }
    }
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        Date::parse_from_str(text, "%Y-%m-%d").expect("valid date")
    }

    #[test]
    fn a_member_that_leaves_and_joins_again_has_two_memberships() {
        let (lin, wli) = (OrgId::parse("GB-LAE-LIN").expect("valid"), OrgId::parse("GB-LAE-WLI").expect("valid"));
        let events = [
            Event::Established {
                id: Key::parse("lincolnshire-hhcdg").expect("valid"),
                name: "Housing, Health and Care Delivery Group".into(),
                kind: Kind::PartnershipGroup,
                parents: vec![lin.clone()],
                members: vec![lin.clone(), wli.clone()],
                established_on: day("2018-01-01"),
            },
            Event::MemberLeft { organisation: wli.clone(), left_on: day("2019-03-31") },
            Event::MemberJoined { organisation: wli.clone(), joined_on: day("2020-04-01") },
        ];
        let state = events.iter().fold(State::default(), evolve);
        assert_eq!(state.members, vec![lin.clone(), wli.clone()]);
        assert_eq!(
            state.memberships,
            vec![
                Membership { organisation: lin, joined_on: day("2018-01-01"), left_on: None },
                Membership {
                    organisation: wli.clone(),
                    joined_on: day("2018-01-01"),
                    left_on: Some(day("2019-03-31"))
                },
                Membership { organisation: wli, joined_on: day("2020-04-01"), left_on: None },
            ]
        );
    }
}
