//! Merging a fix statement into an existing inline policy document without losing anything:
//! existing statements and key order stay as they were, and the IAM size quota is enforced.

use serde_json::{Map, Value, json};

use super::evaluate::{statements_of, string_list};
use super::fix::TargetType;

/// IAM's quota on all of a role's inline policies together, in non-whitespace characters.
pub const ROLE_INLINE_QUOTA: usize = 10_240;
/// IAM's quota on all of a user's inline policies together, in non-whitespace characters.
pub const USER_INLINE_QUOTA: usize = 2_048;

/// The quota that applies to a target.
pub fn quota_for(kind: TargetType) -> usize {
    match kind {
        TargetType::Role => ROLE_INLINE_QUOTA,
        TargetType::User => USER_INLINE_QUOTA,
    }
}

/// The result of a merge.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The document to write (the existing one, unchanged, when `changed` is false).
    pub document: Value,
    /// False when an equivalent statement was already there: nothing to write.
    pub changed: bool,
    /// Size of all the target's inline policies after the merge, non-whitespace characters.
    pub total_size: usize,
    /// The quota that applies.
    pub quota: usize,
}

/// Why a merge was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// The existing document is not a policy we can add to.
    #[error("the existing policy document is not valid: {0}")]
    InvalidExisting(String),
    /// The Sid is taken by a different statement.
    #[error(
        "the policy already has a different statement with Sid {0}; review it by hand (restore-doctor never overwrites a statement)"
    )]
    SidConflict(String),
    /// The result would exceed the quota.
    #[error(
        "the merged inline policies would be {size} characters, over IAM's quota of {quota}; remove unused inline statements or attach a managed policy instead"
    )]
    OverQuota {
        /// Size after the merge.
        size: usize,
        /// The quota.
        quota: usize,
    },
}

/// The size IAM counts: characters that are not whitespace.
pub fn policy_size(document: &Value) -> usize {
    document
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

/// Merges `statement` into `existing` (None: the policy does not exist yet).
///
/// `other_inline_size` is the size of the target's other inline policies, which count against
/// the same quota.
pub fn merge(
    existing: Option<&Value>,
    statement: &Value,
    other_inline_size: usize,
    quota: usize,
) -> Result<Merged, MergeError> {
    let mut document = match existing {
        None => json!({"Version": "2012-10-17", "Statement": []}),
        Some(Value::Object(o)) => Value::Object(o.clone()),
        Some(_) => return Err(MergeError::InvalidExisting("not a JSON object".into())),
    };
    if let Some(existing) = existing
        && statements_of(existing)
            .iter()
            .any(|s| equivalent(s, statement))
    {
        let total_size = other_inline_size + policy_size(existing);
        return Ok(Merged {
            document,
            changed: false,
            total_size,
            quota,
        });
    }
    let sid = statement.get("Sid").and_then(Value::as_str);
    if let Some(sid) = sid
        && statements_of(&document)
            .iter()
            .any(|s| s.get("Sid").and_then(Value::as_str) == Some(sid))
    {
        return Err(MergeError::SidConflict(sid.to_string()));
    }
    let Some(object) = document.as_object_mut() else {
        return Err(MergeError::InvalidExisting("not a JSON object".into()));
    };
    match object.get_mut("Statement") {
        Some(Value::Array(list)) => list.push(statement.clone()),
        Some(one @ Value::Object(_)) => {
            let first = one.take();
            *one = Value::Array(vec![first, statement.clone()]);
        }
        Some(_) => {
            return Err(MergeError::InvalidExisting(
                "\"Statement\" is neither a list nor an object".into(),
            ));
        }
        None => {
            object.insert("Statement".into(), Value::Array(vec![statement.clone()]));
        }
    }
    let total_size = other_inline_size + policy_size(&document);
    if total_size > quota {
        return Err(MergeError::OverQuota {
            size: total_size,
            quota,
        });
    }
    Ok(Merged {
        document,
        changed: true,
        total_size,
        quota,
    })
}

/// Merges every statement of `statements` in turn (a fix and the statements its restore also
/// needs): changed when any of them was added.
pub fn merge_all(
    existing: Option<&Value>,
    statements: &[&Value],
    other_inline_size: usize,
    quota: usize,
) -> Result<Merged, MergeError> {
    let mut document = existing.cloned();
    let mut result = None;
    for statement in statements {
        let merged = merge(document.as_ref(), statement, other_inline_size, quota)?;
        let changed = merged.changed || result.as_ref().is_some_and(|r: &Merged| r.changed);
        document = Some(merged.document.clone());
        result = Some(Merged { changed, ..merged });
    }
    result.ok_or_else(|| MergeError::InvalidExisting("no statement to merge".into()))
}

/// Two statements are equivalent when they grant the same thing: same effect, same actions
/// (case-insensitive), same resources, same conditions (a single string equals a one-item list).
pub fn equivalent(a: &Value, b: &Value) -> bool {
    let effect = |s: &Value| {
        s.get("Effect")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
    };
    let set = |v: Option<&Value>, fold: bool| {
        let mut items = string_list(v);
        if fold {
            items.iter_mut().for_each(|i| *i = i.to_ascii_lowercase());
        }
        items.sort();
        items.dedup();
        items
    };
    effect(a) == effect(b)
        && set(a.get("Action"), true) == set(b.get("Action"), true)
        && set(a.get("NotAction"), true) == set(b.get("NotAction"), true)
        && set(a.get("Resource"), false) == set(b.get("Resource"), false)
        && set(a.get("NotResource"), false) == set(b.get("NotResource"), false)
        && normal_condition(a.get("Condition")) == normal_condition(b.get("Condition"))
}

fn normal_condition(condition: Option<&Value>) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(Value::Object(operators)) = condition else {
        return out;
    };
    for (operator, keys) in operators {
        let Value::Object(keys) = keys else { continue };
        let mut normal_keys = Map::new();
        for (key, values) in keys {
            let mut list = string_list(Some(values));
            list.sort();
            normal_keys.insert(key.to_ascii_lowercase(), json!(list));
        }
        normal_keys.sort_keys();
        out.insert(operator.to_ascii_lowercase(), Value::Object(normal_keys));
    }
    out.sort_keys();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix() -> Value {
        json!({"Sid":"RestoreDoctorX","Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/R",
               "Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}})
    }

    #[test]
    fn creates_a_new_document() {
        let m = merge(None, &fix(), 0, ROLE_INLINE_QUOTA).unwrap();
        assert!(m.changed);
        assert_eq!(m.document["Version"], "2012-10-17");
        assert_eq!(m.document["Statement"][0], fix());
        assert_eq!(m.total_size, policy_size(&m.document));
    }

    #[test]
    fn keeps_existing_statements_and_key_order() {
        let existing: Value = serde_json::from_str(
            r#"{"Statement":[{"Resource":"*","Action":["s3:GetObject"],"Effect":"Allow","Sid":"Mine"}],"Version":"2012-10-17","Id":"keep"}"#,
        ).unwrap();
        let m = merge(Some(&existing), &fix(), 0, ROLE_INLINE_QUOTA).unwrap();
        let text = m.document.to_string();
        assert!(text.starts_with(r#"{"Statement":[{"Resource":"*","Action":["s3:GetObject"],"Effect":"Allow","Sid":"Mine"},"#), "{text}");
        assert!(text.ends_with(r#""Version":"2012-10-17","Id":"keep"}"#));
        assert_eq!(m.document["Statement"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn single_statement_object_becomes_a_list() {
        let existing = json!({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}});
        let m = merge(Some(&existing), &fix(), 0, ROLE_INLINE_QUOTA).unwrap();
        assert_eq!(m.document["Statement"][0]["Action"], "s3:ListBucket");
        assert_eq!(m.document["Statement"][1], fix());
    }

    #[test]
    fn equivalent_statement_is_a_no_op() {
        let existing = json!({"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":["IAM:passrole"],"Resource":["arn:aws:iam::1:role/R"],
            "Condition":{"StringEquals":{"iam:PassedToService":["ec2.amazonaws.com"]}}}]});
        let m = merge(Some(&existing), &fix(), 0, ROLE_INLINE_QUOTA).unwrap();
        assert!(!m.changed);
        assert_eq!(m.document, existing);
        let twice = merge(
            Some(&merge(None, &fix(), 0, ROLE_INLINE_QUOTA).unwrap().document),
            &fix(),
            0,
            ROLE_INLINE_QUOTA,
        )
        .unwrap();
        assert!(!twice.changed);
    }

    #[test]
    fn merge_all_adds_each_statement_once() {
        let other = json!({"Sid":"RestoreDoctorY","Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:r:1:key/k"});
        let both = merge_all(None, &[&fix(), &other], 0, ROLE_INLINE_QUOTA).unwrap();
        assert!(both.changed);
        assert_eq!(both.document["Statement"].as_array().unwrap().len(), 2);
        // The fix already in place, the other statement not: still a change.
        let only_fix = merge(None, &fix(), 0, ROLE_INLINE_QUOTA).unwrap().document;
        let again = merge_all(Some(&only_fix), &[&fix(), &other], 0, ROLE_INLINE_QUOTA).unwrap();
        assert!(again.changed);
        assert_eq!(again.document, both.document);
        let none = merge_all(
            Some(&both.document),
            &[&fix(), &other],
            0,
            ROLE_INLINE_QUOTA,
        );
        assert!(!none.unwrap().changed);
    }

    #[test]
    fn sid_conflict_and_quota() {
        let existing = json!({"Version":"2012-10-17","Statement":[{"Sid":"RestoreDoctorX","Effect":"Allow","Action":"s3:*","Resource":"*"}]});
        assert_eq!(
            merge(Some(&existing), &fix(), 0, ROLE_INLINE_QUOTA),
            Err(MergeError::SidConflict("RestoreDoctorX".into()))
        );
        let err = merge(None, &fix(), 10_200, ROLE_INLINE_QUOTA).unwrap_err();
        assert!(matches!(err, MergeError::OverQuota { quota: 10_240, .. }));
        assert!(matches!(
            merge(None, &fix(), 1_990, USER_INLINE_QUOTA),
            Err(MergeError::OverQuota { .. })
        ));
        assert!(merge(Some(&json!([1])), &fix(), 0, ROLE_INLINE_QUOTA).is_err());
    }
}
