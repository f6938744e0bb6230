//! The distinct badge labels of the listed rows, lowercased, each matched against the jobs
//! filter once per filter: a row holds its label's number, so whether its badge matches is one
//! lookup (there are a handful of labels for 100,000 rows), and a row whose badge matches
//! needs no search of its other fields.

use std::collections::HashMap;

/// The labels seen, and which of them contain the current filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BadgeLabels {
    /// A label's number, by its text as the badge gives it (no lowercasing per lookup).
    ids: HashMap<String, u32>,
    /// The texts as given, by number (the badge column sorts by them).
    given: Vec<String>,
    /// The lowercase texts, by number.
    lower: Vec<String>,
    /// Per number: the text contains `needle`.
    matching: Vec<bool>,
    /// The filter the `matching` flags are for (lowercase).
    needle: String,
    /// `needle` holds a space, so it may span a row's fields and its badge.
    needle_spaced: bool,
}

impl BadgeLabels {
    /// The number of `label`, given one if it is new.
    pub fn id_of(&mut self, label: String) -> u32 {
        if let Some(&id) = self.ids.get(&label) {
            return id;
        }
        let id = u32::try_from(self.lower.len()).unwrap_or(u32::MAX);
        let lower = label.to_lowercase();
        self.matching.push(lower.contains(self.needle.as_str()));
        self.lower.push(lower);
        self.given.push(label.clone());
        self.ids.insert(label, id);
        id
    }

    /// Matches every label against `needle` (lowercase), unless done for it already.
    pub fn set_needle(&mut self, needle: &str) {
        if self.needle == needle {
            return;
        }
        needle.clone_into(&mut self.needle);
        self.needle_spaced = needle.contains(' ');
        for (flag, text) in self.matching.iter_mut().zip(&self.lower) {
            *flag = text.contains(needle);
        }
    }

    /// Whether the filter given to [`BadgeLabels::set_needle`] holds a space.
    pub fn needle_spaced(&self) -> bool {
        self.needle_spaced
    }

    /// Whether label `id` contains the filter given to [`BadgeLabels::set_needle`].
    pub fn matches(&self, id: u32) -> bool {
        self.matching.get(id as usize).copied().unwrap_or(false)
    }

    /// Every label as given, by number.
    pub fn given(&self) -> &[String] {
        &self.given
    }

    /// Label `id`'s lowercase text.
    pub fn text(&self, id: u32) -> &str {
        self.lower.get(id as usize).map_or("", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_matched_once_per_filter_and_new_labels_against_the_current_one() {
        let mut labels = BadgeLabels::default();
        let passrole = labels.id_of("iam:PassRole".into());
        let deny = labels.id_of("explicit deny".into());
        assert_eq!(labels.id_of("iam:PassRole".into()), passrole);
        labels.set_needle("pass");
        assert!(labels.matches(passrole));
        assert!(!labels.matches(deny));
        let grant = labels.id_of("kms:CreateGrant".into());
        assert!(!labels.matches(grant));
        let bypass = labels.id_of("s3:BypassGovernance".into());
        assert!(labels.matches(bypass), "a new label is matched on arrival");
        labels.set_needle("");
        assert!(labels.matches(deny), "the empty filter matches everything");
        assert_eq!(labels.text(passrole), "iam:passrole");
    }
}
