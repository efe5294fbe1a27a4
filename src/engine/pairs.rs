//! Named pairs kept as a Python dict built by assignment keeps them: first-insertion order, a
//! repeated name overwriting its value in place. Used for JSON objects read as pairs
//! (`dependencies`, duplicate keys and all) and for the named dependencies of a created task.

use std::collections::HashMap;

/// Past this many pairs, repeats are found through an index rather than a scan, so a task
/// with 100,000 dependencies (a hostile `full-task-graph.json`) costs linear time, not
/// quadratic (27 s).
const SCAN_UP_TO: usize = 16;

/// Pairs in first-insertion order, a repeated name overwriting its value.
#[derive(Debug, Default)]
pub(crate) struct DictPairs {
    pairs: Vec<(String, String)>,
    index: HashMap<String, usize>,
}

impl DictPairs {
    /// Sets `name` to `value`: in place if it is already there, else at the end.
    pub(crate) fn insert(&mut self, name: String, value: String) {
        let found = if self.pairs.len() <= SCAN_UP_TO {
            self.pairs.iter().position(|(n, _)| *n == name)
        } else {
            if self.index.is_empty() {
                self.index = self
                    .pairs
                    .iter()
                    .enumerate()
                    .map(|(i, (n, _))| (n.clone(), i))
                    .collect();
            }
            self.index.get(&name).copied()
        };
        match found.and_then(|i| self.pairs.get_mut(i)) {
            Some(slot) => slot.1 = value,
            None => {
                if !self.index.is_empty() {
                    self.index.insert(name.clone(), self.pairs.len());
                }
                self.pairs.push((name, value));
            }
        }
    }

    pub(crate) fn into_vec(self) -> Vec<(String, String)> {
        self.pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_overwrite_in_place_before_and_after_the_index() {
        let mut pairs = DictPairs::default();
        for i in 0..40 {
            pairs.insert(format!("k{i}"), format!("v{i}"));
        }
        pairs.insert("k3".into(), "again".into());
        pairs.insert("k30".into(), "again".into());
        pairs.insert("new".into(), "n".into());
        pairs.insert("new".into(), "n2".into());
        let v = pairs.into_vec();
        assert_eq!(v.len(), 41);
        assert_eq!(v[3], ("k3".to_string(), "again".to_string()));
        assert_eq!(v[30], ("k30".to_string(), "again".to_string()));
        assert_eq!(v[40], ("new".to_string(), "n2".to_string()));
        let mut small = DictPairs::default();
        small.insert("a".into(), "1".into());
        small.insert("b".into(), "2".into());
        small.insert("a".into(), "3".into());
        assert_eq!(
            small.into_vec(),
            [
                ("a".to_string(), "3".to_string()),
                ("b".to_string(), "2".to_string())
            ]
        );
    }
}
