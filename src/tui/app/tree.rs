//! The decoded context as tree nodes (verdict, principal, action, resource, conditions by key,
//! matched statements), shared by the tree pane's render and its navigation in `update`.

use std::collections::HashSet;

use crate::diagnosis::{DecodedMessage, Diagnosis};

/// One node: its identifier, the text shown, the value `c` copies, and its children.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Unique among its siblings.
    pub id: String,
    /// What the tree shows.
    pub text: String,
    /// What `c` copies.
    pub value: String,
    /// Children.
    pub children: Vec<Node>,
}

fn leaf(id: &str, text: String, value: String) -> Node {
    Node {
        id: id.into(),
        text,
        value,
        children: Vec::new(),
    }
}

/// The nodes for a decoded message.
pub fn nodes(message: &DecodedMessage, diagnosis: &Diagnosis, case_note: &str) -> Vec<Node> {
    let principal_kind = serde_json::to_value(diagnosis.principal.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "unknown".into());
    let mut principal = vec![leaf(
        "arn",
        format!("ARN: {}", message.principal.arn),
        message.principal.arn.clone(),
    )];
    if let Some(id) = &message.principal_id {
        principal.insert(0, leaf("id", format!("id: {id}"), id.clone()));
    }
    principal.push(leaf(
        "type",
        format!("type: {principal_kind}"),
        principal_kind,
    ));
    let conditions = message
        .conditions
        .iter()
        .enumerate()
        .map(|(i, (key, values))| Node {
            id: format!("{i}"),
            text: format!("{key} = {}", values.join(", ")),
            value: values.join(","),
            children: Vec::new(),
        })
        .collect::<Vec<_>>();
    let statements = message
        .matched_statements
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let text = format!(
                "{} {}: {} on {}",
                s.effect.as_deref().unwrap_or("?"),
                s.sid.as_deref().unwrap_or("(no sid)"),
                s.actions.join(","),
                s.resources.join(",")
            );
            leaf(&format!("{i}"), text.clone(), text)
        })
        .collect::<Vec<_>>();
    vec![
        leaf(
            "verdict",
            match case_note {
                "" => format!("Verdict: {}", verdict_words(diagnosis.verdict)),
                note => format!("Verdict: {} · {note}", verdict_words(diagnosis.verdict)),
            },
            verdict_words(diagnosis.verdict),
        ),
        leaf(
            "action",
            format!("Action: {}", message.action),
            message.action.clone(),
        ),
        leaf(
            "resource",
            format!("Resource: {}", message.resource),
            message.resource.clone(),
        ),
        Node {
            id: "principal".into(),
            text: format!("Principal: {}", principal_name(message)),
            value: message.principal.arn.clone(),
            children: principal,
        },
        Node {
            id: "conditions".into(),
            text: format!("Conditions ({})", conditions.len()),
            value: message
                .conditions
                .iter()
                .map(|(k, v)| format!("{k}={}", v.join(",")))
                .collect::<Vec<_>>()
                .join("\n"),
            children: conditions,
        },
        Node {
            id: "statements".into(),
            text: format!("Matched statements ({})", statements.len()),
            value: statements
                .iter()
                .map(|s| s.value.clone())
                .collect::<Vec<_>>()
                .join("\n"),
            children: statements,
        },
    ]
}

/// A verdict as words (`missing allow`, never `missing_allow`).
pub fn verdict_words(verdict: crate::diagnosis::Verdict) -> String {
    verdict.as_str().replace('_', " ")
}

fn principal_name(message: &DecodedMessage) -> String {
    message
        .principal
        .name
        .clone()
        .unwrap_or_else(|| message.principal.arn.clone())
}

/// The nodes opened when the app starts.
pub fn default_opened() -> HashSet<Vec<String>> {
    [
        vec!["principal".to_string()],
        vec!["conditions".to_string()],
    ]
    .into_iter()
    .collect()
}

/// One row of the tree as drawn: a visible node, its depth, and whether it is opened and
/// selected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shown<'a> {
    /// The node.
    pub node: &'a Node,
    /// 0 for a top-level node.
    pub depth: usize,
    /// It has children and they show.
    pub open: bool,
    /// It is the selected node.
    pub selected: bool,
}

/// The visible nodes, top to bottom (a node's children show when its path is in `opened`),
/// in the order tui-tree-widget's flattening gives them, but without building its items or
/// cloning a path per node: only a node with children is looked up in `opened`.
pub fn shown<'a>(
    nodes: &'a [Node],
    opened: &HashSet<Vec<String>>,
    selected: &[String],
) -> Vec<Shown<'a>> {
    fn walk<'a>(
        nodes: &'a [Node],
        opened: &HashSet<Vec<String>>,
        selected: Option<&[String]>,
        path: &mut Vec<String>,
        out: &mut Vec<Shown<'a>>,
    ) {
        let depth = path.len();
        for node in nodes {
            // `selected` is what is left of the selected path below this level, while the
            // path so far is its beginning.
            let below = selected
                .and_then(|s| s.split_first())
                .filter(|(first, _)| **first == node.id)
                .map(|(_, rest)| rest);
            let open = !node.children.is_empty() && {
                path.push(node.id.clone());
                let open = opened.contains(path.as_slice());
                if !open {
                    path.pop();
                }
                open
            };
            out.push(Shown {
                node,
                depth,
                open,
                selected: below.is_some_and(<[String]>::is_empty),
            });
            if open {
                walk(&node.children, opened, below, path, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    let selected = (!selected.is_empty()).then_some(selected);
    walk(nodes, opened, selected, &mut Vec::new(), &mut out);
    out
}

/// The identifiers of the visible nodes, top to bottom.
pub fn visible(nodes: &[Node], opened: &HashSet<Vec<String>>) -> Vec<Vec<String>> {
    fn walk(
        nodes: &[Node],
        opened: &HashSet<Vec<String>>,
        path: &mut Vec<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        for node in nodes {
            path.push(node.id.clone());
            out.push(path.clone());
            if !node.children.is_empty() && opened.contains(path.as_slice()) {
                walk(&node.children, opened, path, out);
            }
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(nodes, opened, &mut Vec::new(), &mut out);
    out
}

/// `nodes` with each text cut in the middle to fit `width` columns (after the highlight
/// symbol, the indentation of its depth and the node symbol, two columns each), as the tree
/// pane draws them.
pub fn fitted(nodes: &[Node], width: usize, depth: usize) -> Vec<Node> {
    let room = width.saturating_sub(2 * (depth + 2));
    nodes
        .iter()
        .map(|node| Node {
            id: node.id.clone(),
            text: crate::tui::text::middle(&node.text, room),
            value: String::new(),
            children: fitted(&node.children, width, depth + 1),
        })
        .collect()
}

/// The node at `path`.
pub fn find<'a>(nodes: &'a [Node], path: &[String]) -> Option<&'a Node> {
    let (first, rest) = path.split_first()?;
    let node = nodes.iter().find(|n| &n.id == first)?;
    if rest.is_empty() {
        Some(node)
    } else {
        find(&node.children, rest)
    }
}

/// The nodes whose text contains `needle` (lowercase), with their ancestors; a matching node
/// keeps its whole subtree.
pub fn filter(nodes: &[Node], needle: &str) -> Vec<Node> {
    nodes
        .iter()
        .filter_map(|node| {
            if node.text.to_lowercase().contains(needle) {
                return Some(node.clone());
            }
            let children = filter(&node.children, needle);
            (!children.is_empty()).then(|| Node {
                children,
                ..node.clone()
            })
        })
        .collect()
}

/// Every path in `nodes` (to show a filtered tree fully opened).
pub fn all_paths(nodes: &[Node]) -> HashSet<Vec<String>> {
    let mut paths = HashSet::new();
    let mut stack: Vec<(Vec<String>, &Node)> =
        nodes.iter().map(|n| (vec![n.id.clone()], n)).collect();
    while let Some((path, node)) = stack.pop() {
        for child in &node.children {
            let mut child_path = path.clone();
            child_path.push(child.id.clone());
            stack.push((child_path, child));
        }
        paths.insert(path);
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, children: Vec<Node>) -> Node {
        Node {
            id: id.into(),
            text: format!("Text {id}"),
            value: id.into(),
            children,
        }
    }

    #[test]
    fn a_filter_keeps_matches_and_their_ancestors() {
        let nodes = vec![
            node("a", vec![node("a1", vec![]), node("key", vec![])]),
            node("b", vec![node("b1", vec![])]),
            node("keyed", vec![node("x", vec![])]),
        ];
        let kept = filter(&nodes, "key");
        let ids: Vec<_> = kept.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["a", "keyed"]);
        assert_eq!(kept[0].children.len(), 1, "only the matching child");
        assert_eq!(kept[1].children.len(), 1, "a match keeps its subtree");
        assert_eq!(all_paths(&kept).len(), 4);
    }
}
