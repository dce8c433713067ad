//! Decisions tracked to completion: results with a status and progress, children rolling up
//! to their parents (plain or weighted average), a dated timeline and residents' rating.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStatus {
    Planned,
    InProgress,
    Done,
    Cancelled,
}

impl DecisionStatus {
    pub const ALL: [DecisionStatus; 4] = [
        DecisionStatus::Planned,
        DecisionStatus::InProgress,
        DecisionStatus::Done,
        DecisionStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionStatus::Planned => "planned",
            DecisionStatus::InProgress => "in_progress",
            DecisionStatus::Done => "done",
            DecisionStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<DecisionStatus> {
        DecisionStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            DecisionStatus::Planned => "待实施",
            DecisionStatus::InProgress => "实施中",
            DecisionStatus::Done => "已完成",
            DecisionStatus::Cancelled => "已撤销",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            DecisionStatus::Planned => "Planned",
            DecisionStatus::InProgress => "In progress",
            DecisionStatus::Done => "Done",
            DecisionStatus::Cancelled => "Cancelled",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, DecisionStatus::Done | DecisionStatus::Cancelled)
    }
}

/// How a parent's progress is computed from its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rollup {
    Plain,
    Weighted,
}

impl Rollup {
    pub fn as_str(self) -> &'static str {
        match self {
            Rollup::Plain => "plain",
            Rollup::Weighted => "weighted",
        }
    }

    pub fn parse(text: &str) -> Option<Rollup> {
        match text {
            "plain" => Some(Rollup::Plain),
            "weighted" => Some(Rollup::Weighted),
            _ => None,
        }
    }
}

/// What the rollup needs to know of one decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    pub id: i64,
    pub parent: Option<i64>,
    pub weight: u32,
    /// The latest progress entry, 0–100 (used for decisions without children).
    pub progress: u8,
    pub status: DecisionStatus,
    pub rollup: Rollup,
}

/// A decision's progress and status as shown: its own for a leaf, its children's for a parent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rolled {
    pub progress: f64,
    pub status: DecisionStatus,
    pub children: usize,
}

/// Progress of every node. Cancelled children do not count; a parent whose children are all
/// done is done. Nodes in a cycle (which writes refuse) are treated as leaves.
pub fn roll_up(nodes: &[Node]) -> HashMap<i64, Rolled> {
    let mut children: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if let Some(p) = n.parent {
            children.entry(p).or_default().push(i);
        }
    }
    let index: HashMap<i64, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut out = HashMap::with_capacity(nodes.len());
    for n in nodes {
        let mut visiting = Vec::new();
        rolled(n.id, nodes, &index, &children, &mut out, &mut visiting);
    }
    out
}

fn rolled(
    id: i64,
    nodes: &[Node],
    index: &HashMap<i64, usize>,
    children: &HashMap<i64, Vec<usize>>,
    out: &mut HashMap<i64, Rolled>,
    visiting: &mut Vec<i64>,
) -> Rolled {
    if let Some(r) = out.get(&id) {
        return *r;
    }
    let node = nodes[index[&id]];
    let leaf = Rolled {
        progress: if node.status == DecisionStatus::Done {
            100.0
        } else {
            f64::from(node.progress.min(100))
        },
        status: node.status,
        children: 0,
    };
    let kids = children.get(&id).map(Vec::as_slice).unwrap_or(&[]);
    if kids.is_empty() || visiting.contains(&id) || node.status == DecisionStatus::Cancelled {
        out.insert(id, leaf);
        return leaf;
    }
    visiting.push(id);
    let mut sum = 0.0;
    let mut total_weight = 0.0;
    let mut counted = 0;
    let mut all_done = true;
    let mut started = false;
    for &k in kids {
        let child = nodes[k];
        let r = rolled(child.id, nodes, index, children, out, visiting);
        if r.status == DecisionStatus::Cancelled {
            continue;
        }
        let w = match node.rollup {
            Rollup::Plain => 1.0,
            Rollup::Weighted => f64::from(child.weight),
        };
        sum += r.progress * w;
        total_weight += w;
        counted += 1;
        all_done &= r.status == DecisionStatus::Done;
        started |= r.progress > 0.0 || r.status != DecisionStatus::Planned;
    }
    visiting.pop();
    let progress = if total_weight > 0.0 {
        (sum / total_weight * 10.0).round() / 10.0
    } else {
        leaf.progress
    };
    let status = if counted > 0 && all_done {
        DecisionStatus::Done
    } else if started {
        DecisionStatus::InProgress
    } else {
        node.status
    };
    let r = Rolled {
        progress,
        status,
        children: kids.len(),
    };
    out.insert(id, r);
    r
}

/// Whether making `parent` the parent of `id` would put `id` under itself.
pub fn would_cycle(parents: &HashMap<i64, Option<i64>>, id: i64, parent: i64) -> bool {
    let mut at = Some(parent);
    let mut steps = 0;
    while let Some(p) = at {
        if p == id || steps > parents.len() {
            return true;
        }
        at = parents.get(&p).copied().flatten();
        steps += 1;
    }
    false
}

/// Satisfaction as a share of verdicts, when any were given.
pub fn satisfaction(satisfied: u32, unsatisfied: u32) -> Option<f64> {
    let total = satisfied + unsatisfied;
    (total > 0).then(|| f64::from(satisfied) / f64::from(total))
}

crate::decodes_from_text!(DecisionStatus, "decision status");

#[cfg(test)]
mod tests {
    use super::*;

    fn node(
        id: i64,
        parent: Option<i64>,
        weight: u32,
        progress: u8,
        status: DecisionStatus,
    ) -> Node {
        Node {
            id,
            parent,
            weight,
            progress,
            status,
            rollup: Rollup::Plain,
        }
    }

    #[test]
    fn plain_and_weighted_averages() {
        let mut nodes = vec![
            node(1, None, 1, 0, DecisionStatus::Planned),
            node(2, Some(1), 3, 100, DecisionStatus::Done),
            node(3, Some(1), 1, 0, DecisionStatus::Planned),
        ];
        let plain = roll_up(&nodes);
        assert_eq!(plain[&1].progress, 50.0);
        assert_eq!(plain[&1].status, DecisionStatus::InProgress);
        nodes[0].rollup = Rollup::Weighted;
        assert_eq!(roll_up(&nodes)[&1].progress, 75.0);
    }

    #[test]
    fn grandchildren_roll_up_and_cancelled_do_not_count() {
        let nodes = vec![
            node(1, None, 1, 0, DecisionStatus::Planned),
            node(2, Some(1), 1, 0, DecisionStatus::Planned),
            node(3, Some(2), 1, 40, DecisionStatus::InProgress),
            node(4, Some(2), 1, 80, DecisionStatus::InProgress),
            node(5, Some(1), 1, 0, DecisionStatus::Cancelled),
        ];
        let r = roll_up(&nodes);
        assert_eq!(r[&2].progress, 60.0);
        assert_eq!(r[&1].progress, 60.0);
        assert_eq!(r[&1].children, 2);
    }

    #[test]
    fn parent_done_when_all_children_done() {
        let nodes = vec![
            node(1, None, 1, 0, DecisionStatus::Planned),
            node(2, Some(1), 1, 30, DecisionStatus::Done),
            node(3, Some(1), 1, 100, DecisionStatus::Done),
        ];
        let r = roll_up(&nodes);
        assert_eq!(r[&1].status, DecisionStatus::Done);
        assert_eq!(r[&1].progress, 100.0);
    }

    #[test]
    fn cycles_are_detected() {
        let parents: HashMap<i64, Option<i64>> = [(1, None), (2, Some(1)), (3, Some(2))]
            .into_iter()
            .collect();
        assert!(would_cycle(&parents, 1, 3));
        assert!(would_cycle(&parents, 2, 2));
        assert!(!would_cycle(&parents, 3, 1));
        // A cycle in stored data does not hang the rollup.
        let looped = vec![
            node(1, Some(2), 1, 10, DecisionStatus::InProgress),
            node(2, Some(1), 1, 20, DecisionStatus::InProgress),
        ];
        assert_eq!(roll_up(&looped).len(), 2);
    }

    #[test]
    fn satisfaction_share() {
        assert_eq!(satisfaction(3, 1), Some(0.75));
        assert_eq!(satisfaction(0, 0), None);
    }
}
