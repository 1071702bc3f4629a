//! Roles from claims: which of Covenant's roles a person signed in with their organisation's
//! account holds, and for a contributor which organisation they act for, decided from what their
//! ID token says (their groups, their application roles and the domain of their email) by the
//! rules of `covenant.toml`'s `[sign_in]` table. A pure function: nothing is read or stored.
//!
//! The rules are tried in the order written and the first whose every condition holds gives the
//! role. A person no rule matches is refused, with the contact the configuration names.

use domain::OrgId;

use crate::{AccessError, Role};

/// Who to ask for a role when the configuration names no one.
pub const DEFAULT_CONTACT: &str = "the administrator of Covenant at your partnership";

/// What an ID token says about a person that a rule may look at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claims {
    /// The name of the provider the person signed in with, as configured.
    pub provider: String,
    /// The `email` claim.
    pub email: Option<String>,
    /// The `groups` claim (Entra ID sends group object ids; other providers, group names).
    pub groups: Vec<String>,
    /// The `roles` claim: the application roles the provider assigned for Covenant.
    pub roles: Vec<String>,
}

/// One rule: the role it gives, the organisation a contributor acts for, and its conditions.
/// Every condition given must hold; a rule gives nobody a role on the provider alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleRule {
    pub role: Role,
    pub organisation: Option<OrgId>,
    /// Only people signed in with this provider (by its configured name).
    pub provider: Option<String>,
    /// Only people whose `email` claim is at this domain exactly (not a subdomain of it).
    pub email_domain: Option<String>,
    /// Only people whose `groups` claim holds this value.
    pub group: Option<String>,
    /// Only people whose `roles` claim holds this value.
    pub app_role: Option<String>,
}

impl RoleRule {
    /// A rule, checked: it has a condition beyond the provider, and names an organisation when,
    /// and only when, it gives the contributor role.
    pub fn new(
        role: Role,
        organisation: Option<OrgId>,
        provider: Option<String>,
        email_domain: Option<String>,
        group: Option<String>,
        app_role: Option<String>,
    ) -> Result<Self, AccessError> {
        let blank = |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let rule = RoleRule {
            role,
            organisation,
            provider: blank(provider),
            email_domain: blank(email_domain).map(|d| d.trim_start_matches('@').to_ascii_lowercase()),
            group: blank(group),
            app_role: blank(app_role),
        };
        if rule.email_domain.is_none() && rule.group.is_none() && rule.app_role.is_none() {
            return Err(AccessError::Invalid(format!(
                "a rule giving the {role} role has no condition: give it a group, an app_role or an email_domain, so that it does not give the role to everyone a provider lets sign in"
            )));
        }
        match (role.is_scoped(), &rule.organisation) {
            (true, None) => Err(AccessError::Invalid(format!(
                "a rule giving the {role} role must say which organisation its people act for: add organisation = \"GB-LAE-WLI\" with the organisation's org-id"
            ))),
            (false, Some(organisation)) => Err(AccessError::Invalid(format!(
                "a rule giving the {role} role names organisation {organisation}, but only contributors act for one organisation: leave it out, or give the contributor role"
            ))),
            _ => Ok(rule),
        }
    }

    /// Whether every condition of the rule holds for `claims`.
    pub fn holds(&self, claims: &Claims) -> bool {
        let provider = self.provider.as_ref().is_none_or(|p| *p == claims.provider);
        let domain = self.email_domain.as_ref().is_none_or(|wanted| {
            claims
                .email
                .as_deref()
                .and_then(|email| email.rsplit_once('@'))
                .is_some_and(|(_, domain)| domain.eq_ignore_ascii_case(wanted.trim_start_matches('@')))
        });
        let group = self.group.as_ref().is_none_or(|g| claims.groups.contains(g));
        let app_role = self.app_role.as_ref().is_none_or(|r| claims.roles.contains(r));
        provider && domain && group && app_role
    }

    /// The rule's conditions in words, for the administrators' page.
    pub fn conditions(&self) -> String {
        let mut words = Vec::new();
        if let Some(provider) = &self.provider {
            words.push(format!("signed in with {provider}"));
        }
        if let Some(domain) = &self.email_domain {
            words.push(format!("email at {domain}"));
        }
        if let Some(group) = &self.group {
            words.push(format!("in group {group}"));
        }
        if let Some(role) = &self.app_role {
            words.push(format!("given application role {role}"));
        }
        words.join(", ")
    }
}

/// The rules, in order, and whom a person who matches none should ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleMapping {
    pub rules: Vec<RoleRule>,
    pub contact: String,
}

impl Default for RoleMapping {
    fn default() -> Self {
        RoleMapping { rules: Vec::new(), contact: DEFAULT_CONTACT.to_owned() }
    }
}

/// The role a person was given, and the organisation a contributor acts for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Granted {
    pub role: Role,
    pub organisation: Option<OrgId>,
}

impl RoleMapping {
    /// The role the first rule that holds for `claims` gives; a person no rule matches is
    /// refused, told whom to ask.
    pub fn grant(&self, claims: &Claims) -> Result<Granted, AccessError> {
        if let Some(rule) = self.rules.iter().find(|rule| rule.holds(claims)) {
            return Ok(Granted { role: rule.role, organisation: rule.organisation.clone() });
        }
        let who = claims.email.as_deref().unwrap_or("this account");
        Err(AccessError::Forbidden(format!(
            "{who}, signed in with {}, has no role in Covenant: ask {} to give your account a role (the groups and email domain that give each role are set by them)",
            claims.provider, self.contact
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: &str) -> OrgId {
        OrgId::parse(id).expect("org-id")
    }

    fn rule(role: Role, organisation: Option<&str>) -> RoleRule {
        RoleRule {
            role,
            organisation: organisation.map(org),
            provider: None,
            email_domain: None,
            group: None,
            app_role: None,
        }
    }

    fn person(provider: &str, email: &str, groups: &[&str], roles: &[&str]) -> Claims {
        Claims {
            provider: provider.to_owned(),
            email: Some(email.to_owned()),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    fn mapping(rules: Vec<RoleRule>) -> RoleMapping {
        RoleMapping { rules, contact: "governance@lincolnshire.gov.uk".to_owned() }
    }

    #[test]
    fn a_group_rule_gives_its_role_to_members_of_the_group_only() {
        let mapping =
            mapping(vec![RoleRule { group: Some("hwb-secretariat".into()), ..rule(Role::Secretariat, None) }]);
        let member = person("Lincolnshire", "clerk@lincolnshire.gov.uk", &["hwb-secretariat"], &[]);
        assert_eq!(mapping.grant(&member).expect("member"), Granted { role: Role::Secretariat, organisation: None });
        let other = person("Lincolnshire", "clerk@lincolnshire.gov.uk", &["hwb-members"], &[]);
        assert!(mapping.grant(&other).is_err());
    }

    #[test]
    fn an_app_role_rule_reads_the_roles_claim_not_the_groups_claim() {
        let mapping =
            mapping(vec![RoleRule { app_role: Some("Covenant.Auditor".into()), ..rule(Role::Auditor, None) }]);
        let given = person("Entra", "audit@lincolnshire.gov.uk", &[], &["Covenant.Auditor"]);
        assert_eq!(mapping.grant(&given).expect("given").role, Role::Auditor);
        let in_group_of_that_name = person("Entra", "audit@lincolnshire.gov.uk", &["Covenant.Auditor"], &[]);
        assert!(mapping.grant(&in_group_of_that_name).is_err());
    }

    #[test]
    fn an_email_domain_rule_matches_the_domain_exactly_in_any_case() {
        let mapping =
            mapping(vec![RoleRule { email_domain: Some("@Lincolnshire.gov.uk".into()), ..rule(Role::Reader, None) }]);
        let at_domain = person("Google", "Officer@LINCOLNSHIRE.GOV.UK", &[], &[]);
        assert_eq!(mapping.grant(&at_domain).expect("at the domain").role, Role::Reader);
        for email in ["someone@evil-lincolnshire.gov.uk", "someone@lincolnshire.gov.uk.example", "lincolnshire.gov.uk"]
        {
            assert!(mapping.grant(&person("Google", email, &[], &[])).is_err(), "{email}");
        }
        let no_email = Claims { email: None, ..at_domain };
        assert!(mapping.grant(&no_email).is_err(), "a token without an email matches no domain");
    }

    #[test]
    fn a_provider_condition_limits_a_rule_to_one_provider() {
        let mapping = mapping(vec![RoleRule {
            provider: Some("West Lindsey".into()),
            group: Some("covenant-housing".into()),
            ..rule(Role::Secretariat, None)
        }]);
        let there = person("West Lindsey", "a@west-lindsey.gov.uk", &["covenant-housing"], &[]);
        assert!(mapping.grant(&there).is_ok());
        let elsewhere = person("Google", "a@west-lindsey.gov.uk", &["covenant-housing"], &[]);
        assert!(mapping.grant(&elsewhere).is_err(), "the same group at another provider is another group");
    }

    #[test]
    fn a_contributor_rule_with_domain_and_group_gives_its_organisation_when_both_hold() {
        let mapping = mapping(vec![RoleRule {
            email_domain: Some("west-lindsey.gov.uk".into()),
            group: Some("covenant-housing".into()),
            ..rule(Role::Contributor, Some("GB-LAE-WLI"))
        }]);
        let both = person("Entra", "housing@west-lindsey.gov.uk", &["covenant-housing"], &[]);
        assert_eq!(
            mapping.grant(&both).expect("both hold"),
            Granted { role: Role::Contributor, organisation: Some(org("GB-LAE-WLI")) }
        );
        let domain_only = person("Entra", "housing@west-lindsey.gov.uk", &[], &[]);
        assert!(mapping.grant(&domain_only).is_err());
        let group_only = person("Entra", "housing@lincolnshire.gov.uk", &["covenant-housing"], &[]);
        assert!(mapping.grant(&group_only).is_err());
    }

    #[test]
    fn the_first_rule_that_holds_wins() {
        let mapping = mapping(vec![
            RoleRule { group: Some("covenant-admins".into()), ..rule(Role::Admin, None) },
            RoleRule { email_domain: Some("lincolnshire.gov.uk".into()), ..rule(Role::Reader, None) },
        ]);
        let admin = person("Entra", "it@lincolnshire.gov.uk", &["covenant-admins"], &[]);
        assert_eq!(mapping.grant(&admin).expect("admin").role, Role::Admin);
        let officer = person("Entra", "officer@lincolnshire.gov.uk", &[], &[]);
        assert_eq!(mapping.grant(&officer).expect("reader").role, Role::Reader);
    }

    #[test]
    fn a_person_no_rule_matches_is_told_whom_to_ask() {
        let refused = mapping(vec![]).grant(&person("Google", "volunteer@example.org", &[], &[])).expect_err("refused");
        let message = refused.to_string();
        assert!(matches!(refused, AccessError::Forbidden(_)));
        assert!(message.contains("volunteer@example.org, signed in with Google, has no role"), "{message}");
        assert!(message.contains("ask governance@lincolnshire.gov.uk"), "{message}");
    }

    #[test]
    fn a_rule_must_have_a_condition_and_an_organisation_exactly_when_it_gives_contributor() {
        let unconditional = RoleRule::new(Role::Admin, None, Some("Entra".into()), None, None, None);
        assert!(unconditional.expect_err("no condition").to_string().contains("has no condition"));
        let blank = RoleRule::new(Role::Reader, None, None, Some("  ".into()), None, None);
        assert!(blank.is_err(), "a blank condition is no condition");
        let no_organisation = RoleRule::new(Role::Contributor, None, None, None, Some("g".into()), None);
        assert!(no_organisation.expect_err("no org").to_string().contains("add organisation = "));
        let stray = RoleRule::new(Role::Reader, Some(org("GB-LAE-WLI")), None, None, Some("g".into()), None);
        assert!(stray.expect_err("stray org").to_string().contains("only contributors act for one organisation"));
        let fine = RoleRule::new(
            Role::Contributor,
            Some(org("GB-LAE-WLI")),
            None,
            Some("@West-Lindsey.gov.uk".into()),
            None,
            None,
        )
        .expect("valid");
        assert_eq!(fine.email_domain.as_deref(), Some("west-lindsey.gov.uk"));
        assert_eq!(fine.conditions(), "email at west-lindsey.gov.uk");
    }
}
