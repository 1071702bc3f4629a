//! The public record's words in English and in Welsh: two Fluent message catalogues
//! (`locales/en/public.ftl` and `locales/cy/public.ftl`, built into the binary and parsed once),
//! with CLDR's plural rules for each language (Welsh has six forms: zero, one, two, few, many and
//! other); the language a request asks for (`?lang=`, else `Accept-Language`, else English); and
//! dates written out with the month's name in that language. `docs/public.md` says how to add or
//! correct a translation.

use std::sync::OnceLock;

use axum::http::{HeaderMap, header};
use domain::Date;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::Serialize;
use unic_langid::LanguageIdentifier;

/// A language the public record is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English, the default.
    En,
    /// Welsh.
    Cy,
}

/// The catalogues' text, as built into the binary.
const SOURCES: [(Lang, &str); 2] =
    [(Lang::En, include_str!("../locales/en/public.ftl")), (Lang::Cy, include_str!("../locales/cy/public.ftl"))];

/// The two catalogues, parsed the first time a word is wanted.
static CATALOGUES: OnceLock<[FluentBundle<FluentResource>; 2]> = OnceLock::new();

fn catalogues() -> &'static [FluentBundle<FluentResource>; 2] {
    CATALOGUES.get_or_init(|| SOURCES.map(|(lang, source)| bundle(lang, source)))
}

/// The catalogue of `lang` from `source`. A message the parser cannot read is left out of it (and
/// so shown by its id, and caught by the tests, which parse every catalogue without error).
fn bundle(lang: Lang, source: &str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Pages are HTML that maud escapes: no Unicode isolation marks around values.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, errors)| {
        tracing::error!(?errors, lang = lang.code(), "the message catalogue has errors");
        partial
    });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(?errors, lang = lang.code(), "the message catalogue repeats a message");
    }
    bundle
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Cy];

    /// The code `?lang=` takes: `en` or `cy`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Cy => "cy",
        }
    }

    /// The language's tag for `<html lang>` and the catalogue: `en-GB` or `cy`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en-GB",
            Lang::Cy => "cy",
        }
    }

    /// The other language: the one the switch on each page offers.
    pub fn other(self) -> Self {
        match self {
            Lang::En => Lang::Cy,
            Lang::Cy => Lang::En,
        }
    }

    /// The language a tag names (`cy`, `cy-GB`, `en`, `en-GB`, in any case), if it is one of ours.
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        Lang::ALL.into_iter().find(|lang| primary.eq_ignore_ascii_case(lang.code()))
    }

    /// The language a request asks for: `?lang=` when it names one of ours, else the one of ours
    /// `Accept-Language` ranks highest (by q-value, then order; `q=0` refuses a language), else
    /// English.
    pub fn asked(query: Option<&str>, headers: &HeaderMap) -> Self {
        query.and_then(Lang::parse).unwrap_or_else(|| {
            let accepted = headers.get_all(header::ACCEPT_LANGUAGE).iter().filter_map(|v| v.to_str().ok());
            Lang::preferred(&accepted.collect::<Vec<_>>().join(",")).unwrap_or(Lang::En)
        })
    }

    /// The language of ours an `Accept-Language` value ranks highest, if it names one.
    pub fn preferred(accept_language: &str) -> Option<Self> {
        let mut best: Option<(Lang, f32)> = None;
        for range in accept_language.split(',') {
            let mut parts = range.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else { continue };
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok().filter(|q| (0.0..=1.0).contains(q)));
            match quality {
                Some(q) if q > 0.0 && best.is_none_or(|(_, b)| q > b) => best = Some((lang, q)),
                _ => {}
            }
        }
        best.map(|(lang, _)| lang)
    }

    fn catalogue(self) -> &'static FluentBundle<FluentResource> {
        &catalogues()[self as usize]
    }

    /// The message `id`, with no variables.
    pub fn text(self, id: &str) -> String {
        self.with(id, &[])
    }

    /// The message `id` with its variables `args`. A message missing from the catalogue (which
    /// the tests forbid) is shown as its id, so that it is seen and reported.
    pub fn with(self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let catalogue = self.catalogue();
        let Some(pattern) = catalogue.get_message(id).and_then(|m| m.value()) else {
            tracing::error!(id, lang = self.code(), "no such message in the catalogue");
            return id.to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        let mut errors = Vec::new();
        let text = catalogue.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            tracing::error!(id, lang = self.code(), ?errors, "a message could not be formatted");
        }
        text.into_owned()
    }

    /// A domain value in words: the message `{family}-{value}`, the value as the API writes it
    /// (`outcome-adopted`, `action-state-due_soon`).
    pub fn word<T: Serialize>(self, family: &str, value: &T) -> String {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::String(name)) => self.text(&format!("{family}-{name}")),
            _ => String::new(),
        }
    }

    /// A day written out: "9 March 2021", "9 Mawrth 2021".
    pub fn date(self, day: Date) -> String {
        use chrono::Datelike;
        let month = self.text(&format!("month-{}", day.month()));
        self.with(
            "date",
            &[("day", day.day().into()), ("month", month.into()), ("year", day.year().to_string().into())],
        )
    }

    /// The English text of every message without variables that no Welsh message says: what
    /// must not be left on a page in Welsh.
    pub fn english_only_texts() -> Vec<String> {
        let [en, cy] = catalogues();
        let plain = |bundle: &FluentBundle<FluentResource>, id: &str| {
            let pattern = bundle.get_message(id)?.value()?;
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, None, &mut errors).into_owned();
            errors.is_empty().then_some(text)
        };
        let ids = |source: &str| -> Vec<String> {
            let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, _)| partial);
            resource
                .entries()
                .filter_map(|entry| match entry {
                    fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                    _ => None,
                })
                .collect()
        };
        let welsh: Vec<String> = ids(SOURCES[1].1).iter().filter_map(|id| plain(cy, id)).collect();
        ids(SOURCES[0].1)
            .iter()
            .filter_map(|id| plain(en, id))
            .filter(|english| !welsh.iter().any(|w| w.contains(english.as_str())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast;

    use super::*;

    /// Each message of a catalogue, with the variables it uses.
    fn messages(source: &str) -> BTreeMap<String, BTreeSet<String>> {
        let resource = fluent_syntax::parser::parse(source).unwrap_or_else(|(_, errors)| panic!("{errors:?}"));
        resource
            .body
            .iter()
            .filter_map(|entry| match entry {
                ast::Entry::Message(m) => {
                    let mut variables = BTreeSet::new();
                    if let Some(pattern) = &m.value {
                        pattern_variables(pattern, &mut variables);
                    }
                    Some((m.id.name.to_owned(), variables))
                }
                _ => None,
            })
            .collect()
    }

    fn pattern_variables(pattern: &ast::Pattern<&str>, into: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_variables(expression, into);
            }
        }
    }

    fn expression_variables(expression: &ast::Expression<&str>, into: &mut BTreeSet<String>) {
        match expression {
            ast::Expression::Select { selector, variants } => {
                inline_variables(selector, into);
                for variant in variants {
                    pattern_variables(&variant.value, into);
                }
            }
            ast::Expression::Inline(inline) => inline_variables(inline, into),
        }
    }

    fn inline_variables(inline: &ast::InlineExpression<&str>, into: &mut BTreeSet<String>) {
        match inline {
            ast::InlineExpression::VariableReference { id } => {
                into.insert(id.name.to_owned());
            }
            ast::InlineExpression::Placeable { expression } => expression_variables(expression, into),
            _ => {}
        }
    }

    #[test]
    fn every_message_is_in_both_catalogues_with_the_same_variables() {
        let [(_, en), (_, cy)] = SOURCES;
        let (en, cy) = (messages(en), messages(cy));
        let only = |a: &BTreeMap<String, BTreeSet<String>>, b: &BTreeMap<String, BTreeSet<String>>| {
            a.keys().filter(|id| !b.contains_key(*id)).cloned().collect::<Vec<_>>()
        };
        assert!(only(&en, &cy).is_empty(), "missing in Welsh: {:?}", only(&en, &cy));
        assert!(only(&cy, &en).is_empty(), "missing in English: {:?}", only(&cy, &en));
        for (id, variables) in &en {
            assert_eq!(Some(variables), cy.get(id), "{id} takes the same variables in both");
        }
        assert!(en.len() > 100, "the catalogues hold the portal's words: {}", en.len());
    }

    #[test]
    fn both_catalogues_load_without_error() {
        for (lang, source) in SOURCES {
            assert!(FluentResource::try_new(source.to_owned()).is_ok(), "{lang:?} parses");
            let mut bundle = FluentBundle::new_concurrent(vec![lang.tag().parse().expect("a tag")]);
            assert!(bundle.add_resource(FluentResource::try_new(source.to_owned()).expect("parses")).is_ok());
        }
    }

    #[test]
    fn welsh_counts_take_all_six_plural_forms() {
        let found = |n: u32| Lang::Cy.with("decisions-found", &[("count", n.into())]);
        let forms: Vec<String> = [0, 1, 2, 3, 6, 7].into_iter().map(found).collect();
        assert_eq!(
            forms,
            [
                "Ni chafwyd hyd i unrhyw benderfyniad",
                "Cafwyd hyd i 1 penderfyniad",
                "Cafwyd hyd i 2 benderfyniad",
                "Cafwyd hyd i 3 phenderfyniad",
                "Cafwyd hyd i 6 phenderfyniad",
                "Cafwyd hyd i 7 o benderfyniadau",
            ]
        );
        assert_eq!(Lang::En.with("decisions-found", &[("count", 1.into())]), "1 decision found");
        assert_eq!(Lang::En.with("decisions-found", &[("count", 0.into())]), "0 decisions found");
    }

    #[test]
    fn every_value_the_public_record_shows_has_its_words() {
        use domain::{instrument, meeting, resolution};
        use projections::ActionState;
        let mut said = Vec::new();
        for lang in Lang::ALL {
            let mut say = |family: &str, value: &dyn erased::Value| {
                let id = value.id(family);
                said.push((lang.text(&id), id));
            };
            for v in [
                meeting::Status::Unknown,
                meeting::Status::Scheduled,
                meeting::Status::Held,
                meeting::Status::Cancelled,
            ] {
                say("meeting-status", &v);
            }
            use instrument::Status as I;
            for v in [
                I::Unknown,
                I::Draft,
                I::Consultation,
                I::Endorsed,
                I::Adopted,
                I::InDelivery,
                I::UnderReview,
                I::Superseded,
                I::Expired,
                I::Withdrawn,
            ] {
                say("instrument-status", &v);
            }
            use instrument::Kind as K;
            for v in [K::Strategy, K::Blueprint, K::Mou, K::ActionPlan, K::WardPlan, K::Programme] {
                say("kind", &v);
            }
            use resolution::Outcome as O;
            for v in
                [O::Noted, O::Endorsed, O::Adopted, O::Approved, O::Agreed, O::Recommended, O::Deferred, O::Rejected]
            {
                say("outcome", &v);
            }
            use resolution::Status as R;
            for v in [R::Unknown, R::Decided, R::CalledIn, R::ReferredBack, R::Rescinded, R::Superseded] {
                say("standing", &v);
            }
            use ActionState as A;
            for v in [A::Overdue, A::DueSoon, A::Open, A::Deferred, A::Done, A::Cancelled] {
                say("action-state", &v);
            }
        }
        assert_eq!(said.len(), 2 * 40);
        let missing: Vec<&String> = said.iter().filter(|(words, id)| words == id).map(|(_, id)| id).collect();
        assert!(missing.is_empty(), "values with no words: {missing:?}");
    }

    /// A domain value, whatever its type, as the id of its words.
    mod erased {
        pub(super) trait Value {
            fn id(&self, family: &str) -> String;
        }

        impl<T: serde::Serialize> Value for T {
            fn id(&self, family: &str) -> String {
                match serde_json::to_value(self) {
                    Ok(serde_json::Value::String(name)) => format!("{family}-{name}"),
                    other => panic!("{other:?} is not written as a word"),
                }
            }
        }
    }

    #[test]
    fn dates_are_written_out_with_the_months_name() {
        let day = Date::from_ymd_opt(2021, 3, 9).expect("a day");
        assert_eq!(Lang::En.date(day), "9 March 2021");
        assert_eq!(Lang::Cy.date(day), "9 Mawrth 2021");
        for month in 1..=12 {
            let day = Date::from_ymd_opt(2024, month, 1).expect("a day");
            assert!(!Lang::Cy.date(day).contains("month-"), "{day}");
        }
    }

    #[test]
    fn the_language_is_the_querys_then_the_best_accepted_then_english() {
        let accepting = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_LANGUAGE, value.parse().expect("a header"));
            headers
        };
        assert_eq!(Lang::asked(Some("cy"), &HeaderMap::new()), Lang::Cy);
        assert_eq!(Lang::asked(Some("en"), &accepting("cy")), Lang::En);
        assert_eq!(Lang::asked(Some("fr"), &accepting("cy-GB")), Lang::Cy, "an unknown ?lang= is ignored");
        assert_eq!(Lang::asked(None, &HeaderMap::new()), Lang::En);
        assert_eq!(Lang::asked(None, &accepting("en-GB,en;q=0.9,cy;q=0.8")), Lang::En);
        assert_eq!(Lang::asked(None, &accepting("en;q=0.5, cy;q=0.9")), Lang::Cy, "by q-value, not order");
        assert_eq!(Lang::asked(None, &accepting("fr, cy;q=0.1")), Lang::Cy);
        assert_eq!(Lang::asked(None, &accepting("cy;q=0, en;q=0.2")), Lang::En, "q=0 refuses Welsh");
        assert_eq!(Lang::asked(None, &accepting("cy;q=0")), Lang::En);
        assert_eq!(Lang::asked(None, &accepting("cy;q=abc, fr")), Lang::En, "a q-value that is no number");
        assert_eq!(Lang::asked(None, &accepting("*")), Lang::En);
        assert_eq!(Lang::asked(None, &accepting("CY-gb;Q=0.7")), Lang::Cy);
    }
}
