//! Recipients: who a schedule's `to`/`cc` names are, as mailboxes. Names are addresses (as
//! written), lists of `delivery.yaml` (expanded recursively) or roles resolved from csms.csv (the
//! `Directory`). This module resolves names; it does not validate the file (`config` does, cycles
//! included) nor decide what is due (`schedule`).

use super::MailScope;
use crate::data::Csms;
use std::collections::{BTreeMap, BTreeSet};

/// The roles resolved from csms.csv, as `to`, `cc` and list entries may name them. A list of the
/// same name in `lists` overrides the role.
pub(crate) const ROLES: [&str; 5] = ["csm", "manager", "csms", "managers", "team"];

/// One CSM of csms.csv, as far as mail goes.
#[derive(Debug, Clone, PartialEq)]
struct Person {
    id: String,
    name: String,
    email: Option<String>,
    manager_id: Option<String>,
}

/// The people of csms.csv: CSMs, and through `manager_id` their managers.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Directory {
    /// In csms.csv order.
    people: Vec<Person>,
}

impl Directory {
    /// The directory of a project's csms.csv (empty without the table).
    pub(crate) fn new(csms: Option<&Csms>) -> Directory {
        let people = csms
            .map(|c| c.rows.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|c| Person {
                id: c.id.clone(),
                name: c.name.clone(),
                email: c.email.clone().filter(|e| !e.trim().is_empty()),
                manager_id: c.manager_id.clone().filter(|m| !m.trim().is_empty()),
            })
            .collect();
        Directory { people }
    }

    /// Whether csms.csv gave nobody.
    pub(crate) fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// The csm ids of the CSMs without an e-mail address (their digests cannot be sent).
    pub(crate) fn without_email(&self) -> Vec<&str> {
        self.people
            .iter()
            .filter(|p| p.email.is_none())
            .map(|p| p.id.as_str())
            .collect()
    }

    /// The mailboxes `names` stand for in `scope`, sorted by address and without repeats
    /// (`Name <addr>` when csms.csv or the file gives a name):
    ///
    /// - an address (anything with `@`) as written;
    /// - a list of `lists`, its entries expanded in turn (a list seen twice is expanded once);
    /// - `csm`: the scope's CSM (`Csm(id)`), the CSMs a manager manages (`Manager(id)`), else
    ///   every CSM; `manager`: the manager of the scope's CSM (`Csm(id)`), the manager
    ///   (`Manager(id)`), else every manager (anyone who is someone's `manager_id`);
    /// - `csms` (and `team`, unless a list of that name exists): every CSM; `managers`: every
    ///   manager.
    ///
    /// People without an e-mail address are left out. Unknown names are an error naming them.
    pub(crate) fn resolve(
        &self,
        names: &[String],
        lists: &BTreeMap<String, Vec<String>>,
        scope: &MailScope,
    ) -> Result<Vec<String>, String> {
        let mut found = Found::default();
        let mut seen = BTreeSet::new();
        for name in names {
            self.expand(name, lists, scope, &mut seen, &mut found);
        }
        if !found.unknown.is_empty() {
            let names: Vec<String> = found.unknown.iter().map(|n| format!("'{n}'")).collect();
            return Err(format!(
                "unknown recipient{} {} (not an address, a list of delivery.yaml or a role)",
                if names.len() == 1 { "" } else { "s" },
                names.join(", ")
            ));
        }
        Ok(found.by_address.into_values().collect())
    }

    fn expand<'a>(
        &self,
        name: &'a str,
        lists: &'a BTreeMap<String, Vec<String>>,
        scope: &MailScope,
        seen: &mut BTreeSet<&'a str>,
        found: &mut Found,
    ) {
        if name.contains('@') {
            found.add(name.trim().to_string());
            return;
        }
        if let Some(entries) = lists.get(name) {
            if seen.insert(name) {
                for entry in entries {
                    self.expand(entry, lists, scope, seen, found);
                }
            }
            return;
        }
        let everyone = || self.people.iter().collect::<Vec<_>>();
        let people: Vec<&Person> = match (name, scope) {
            ("csm", MailScope::Csm(id)) => self.people.iter().filter(|p| &p.id == id).collect(),
            ("csm", MailScope::Manager(id)) => self
                .people
                .iter()
                .filter(|p| p.manager_id.as_ref() == Some(id))
                .collect(),
            ("manager", MailScope::Csm(id)) => {
                let manager = self
                    .people
                    .iter()
                    .find(|p| &p.id == id)
                    .and_then(|p| p.manager_id.as_ref());
                self.people
                    .iter()
                    .filter(|p| Some(&p.id) == manager)
                    .collect()
            }
            ("manager", MailScope::Manager(id)) => {
                self.people.iter().filter(|p| &p.id == id).collect()
            }
            ("csm" | "csms" | "team", _) => everyone(),
            ("manager" | "managers", _) => self.managers(),
            _ => {
                found.unknown.insert(name.to_string());
                return;
            }
        };
        for p in people {
            if let Some(email) = &p.email {
                found.add(mailbox(&p.name, email));
            }
        }
    }

    /// Everyone who is someone's manager.
    fn managers(&self) -> Vec<&Person> {
        let ids: BTreeSet<&str> = self
            .people
            .iter()
            .filter_map(|p| p.manager_id.as_deref())
            .collect();
        self.people
            .iter()
            .filter(|p| ids.contains(p.id.as_str()))
            .collect()
    }
}

/// What a resolution collects.
#[derive(Default)]
struct Found {
    /// Lower-cased address → mailbox.
    by_address: BTreeMap<String, String>,
    unknown: BTreeSet<String>,
}

impl Found {
    /// Adds a mailbox; of two for the same address, the one with a name wins.
    fn add(&mut self, mailbox: String) {
        let key = address(&mailbox).to_ascii_lowercase();
        match self.by_address.get(&key) {
            Some(have) if have.contains('<') => {}
            _ => {
                self.by_address.insert(key, mailbox);
            }
        }
    }
}

/// The address of a mailbox: `b@x` of `A <b@x>`, else the text itself.
fn address(mailbox: &str) -> &str {
    match (mailbox.rfind('<'), mailbox.rfind('>')) {
        (Some(open), Some(close)) if open < close => &mailbox[open + 1..close],
        _ => mailbox,
    }
}

/// `Name <email>`, the name quoted when it holds more than letters, digits and spaces (RFC 5322
/// display names: a `.` or `,` needs quotes); the bare address without a name.
fn mailbox(name: &str, email: &str) -> String {
    let name = name.trim();
    if name.is_empty() {
        return email.to_string();
    }
    let plain = name
        .chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || "!#$%&'*+-/=?^_`{|}~".contains(c));
    if plain {
        format!("{name} <{email}>")
    } else {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\" <{email}>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Csm;

    /// Two pods: Avery manages Blake and Casey (no e-mail); Eli manages Frankie.
    fn directory() -> Directory {
        let csm = |id: &str, name: &str, email: &str, manager: &str| Csm {
            id: id.into(),
            name: name.into(),
            email: (!email.is_empty()).then(|| email.into()),
            manager_id: (!manager.is_empty()).then(|| manager.into()),
            ..Csm::default()
        };
        let rows = vec![
            csm("C1", "Avery Stone", "avery@example.com", ""),
            csm("C2", "Blake Moreno", "blake@example.com", "C1"),
            csm("C3", "Casey Lee", "", "C1"),
            csm("C4", "Eli Novak", "eli@example.com", ""),
            csm("C5", "Frankie O. Ito", "frankie@example.com", "C4"),
        ];
        let csms = Csms {
            index: Default::default(),
            rows,
        };
        Directory::new(Some(&csms))
    }

    fn lists(entries: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn roles_follow_the_scope() {
        let d = directory();
        let none = BTreeMap::new();
        let csm = MailScope::Csm("C2".into());
        assert_eq!(
            d.resolve(&names(&["csm", "manager"]), &none, &csm),
            Ok(names(&[
                "Avery Stone <avery@example.com>",
                "Blake Moreno <blake@example.com>"
            ]))
        );
        // Casey has no e-mail: their own digest reaches nobody, their manager still gets it.
        let casey = MailScope::Csm("C3".into());
        assert_eq!(d.resolve(&names(&["csm"]), &none, &casey), Ok(vec![]));
        assert_eq!(
            d.resolve(&names(&["manager"]), &none, &casey),
            Ok(names(&["Avery Stone <avery@example.com>"]))
        );
        // Eli manages no one with a manager above him: no manager for his own book.
        let eli = MailScope::Csm("C4".into());
        assert_eq!(d.resolve(&names(&["manager"]), &none, &eli), Ok(vec![]));
        // A manager's scope: the manager, and the CSMs they manage.
        let avery = MailScope::Manager("C1".into());
        assert_eq!(
            d.resolve(&names(&["manager"]), &none, &avery),
            Ok(names(&["Avery Stone <avery@example.com>"]))
        );
        assert_eq!(
            d.resolve(&names(&["csm"]), &none, &avery),
            Ok(names(&["Blake Moreno <blake@example.com>"]))
        );
    }

    #[test]
    fn company_roles_are_everyone_of_a_kind() {
        let d = directory();
        let none = BTreeMap::new();
        let all = [
            "Avery Stone <avery@example.com>",
            "Blake Moreno <blake@example.com>",
            "Eli Novak <eli@example.com>",
            // A name with a dot is quoted.
            "\"Frankie O. Ito\" <frankie@example.com>",
        ];
        for role in ["csm", "csms", "team"] {
            assert_eq!(
                d.resolve(&names(&[role]), &none, &MailScope::Company),
                Ok(names(&all)),
                "{role}"
            );
        }
        let managers = names(&[
            "Avery Stone <avery@example.com>",
            "Eli Novak <eli@example.com>",
        ]);
        for role in ["manager", "managers"] {
            let scope = MailScope::Recipient("leadership".into());
            assert_eq!(
                d.resolve(&names(&[role]), &none, &scope),
                Ok(managers.clone())
            );
        }
    }

    #[test]
    fn lists_expand_recursively_and_override_roles() {
        let d = directory();
        let lists = lists(&[
            ("executives", &["ceo@example.com", "CFO <cfo@example.com>"]),
            // The CEO again, and a list seen twice: each mailbox once.
            (
                "leadership",
                &["executives", "ceo@example.com", "managers", "executives"],
            ),
            ("team", &["pod@example.com"]),
        ]);
        assert_eq!(
            d.resolve(
                &names(&["leadership", "cfo@example.com"]),
                &lists,
                &MailScope::Company
            ),
            Ok(names(&[
                "Avery Stone <avery@example.com>",
                "ceo@example.com",
                // The named mailbox wins over the bare address.
                "CFO <cfo@example.com>",
                "Eli Novak <eli@example.com>",
            ]))
        );
        // `team` is the list, not every CSM.
        assert_eq!(
            d.resolve(&names(&["team"]), &lists, &MailScope::Company),
            Ok(names(&["pod@example.com"]))
        );
    }

    #[test]
    fn unknown_names_are_named() {
        let d = directory();
        let lists = lists(&[("execs", &["boardroom", "ceo@example.com"])]);
        assert_eq!(
            d.resolve(
                &names(&["execs", "leadership"]),
                &lists,
                &MailScope::Company
            ),
            Err("unknown recipients 'boardroom', 'leadership' (not an address, a list of delivery.yaml or a role)".into())
        );
        assert_eq!(d.without_email(), ["C3"]);
        assert!(!d.is_empty());
        assert!(Directory::new(None).is_empty());
    }
}
