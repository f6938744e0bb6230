//! A restore job's metadata as the sandbox keeps it: its key/value pairs sorted by key in one
//! boxed slice. A `BTreeMap` node holds room for eleven pairs (about 540 bytes), a few times
//! what a job's two or three pairs need, and `--jobs 100000` keeps 100,000 of them.

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Restore metadata, sorted by key (as the `BTreeMap` it is made from iterates).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreMetadata(Box<[(String, String)]>);

impl RestoreMetadata {
    /// As a map again (to compare with a request's).
    #[cfg(test)]
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.0.iter().cloned().collect()
    }
}

impl From<BTreeMap<String, String>> for RestoreMetadata {
    fn from(map: BTreeMap<String, String>) -> Self {
        Self(map.into_iter().collect())
    }
}

/// Serialised as the JSON object the map was (`GetRestoreJobMetadata`'s `Metadata`).
impl Serialize for RestoreMetadata {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0.iter() {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_answers_and_serialises_as_the_map_it_came_from() {
        let map: BTreeMap<String, String> = [("b", "2"), ("a", "1"), ("InstanceType", "t3")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let metadata = RestoreMetadata::from(map.clone());
        assert_eq!(metadata.to_map(), map);
        assert_eq!(
            serde_json::to_value(&metadata).unwrap(),
            serde_json::to_value(&map).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&RestoreMetadata::default()).unwrap(),
            "{}"
        );
    }
}
