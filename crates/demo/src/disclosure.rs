//! The demo city's year of three-affairs disclosure: per community a catalogue, a committee
//! of three, and the postings of the past year — monthly finance tables with generated line
//! items, quarterly residents' and party affairs, yearly fixed items, immediate major
//! matters, a few corrections — each drafted by the community's admin and approved by two
//! committee members. A few publications are left undone so overdue warnings show.
//!
//! Pure: `now` is a parameter; the same seed, communities and `now` give the same records.

use super::names;
use super::rng::{Rng, Stream};
use tongxin_core::Millis;
use tongxin_core::disclosure::{
    Affair, Frequency, GraceDays, LineItem, LineKind, Period, due_at, periods_between,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoItem {
    pub affair: Affair,
    pub title: &'static str,
    pub frequency: Frequency,
    pub major: bool,
    pub grace_days: u32,
    /// Periods fall due from the one containing this instant.
    pub active_from: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMember {
    pub username: String,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPosting {
    /// Index into the community's items.
    pub item: usize,
    pub period: String,
    pub title: String,
    pub body: String,
    pub lines: Vec<LineItem>,
    pub created_at: Millis,
    /// Indexes into the community's members, with the time of each approval.
    pub approvals: Vec<(usize, Millis)>,
    /// None: still a draft.
    pub published_at: Option<Millis>,
    /// A correction: supersedes the latest published posting of the same item and period.
    pub corrects: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoDisclosure {
    pub community_code: String,
    /// The community admin's username (`c<code>`), who drafts every posting.
    pub author: String,
    pub items: Vec<DemoItem>,
    pub members: Vec<DemoMember>,
    /// In publication order: publishing appends to the chain in this order.
    pub postings: Vec<DemoPosting>,
}

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;

/// The catalogue every demo community keeps (affair, title, frequency, major).
const CATALOGUE: [(Affair, &str, Frequency, bool); 10] = [
    (Affair::Party, "党组织工作情况", Frequency::Quarterly, false),
    (Affair::Party, "党费收缴和使用", Frequency::Quarterly, false),
    (
        Affair::Party,
        "两委班子成员及分工",
        Frequency::Yearly,
        false,
    ),
    (
        Affair::Residents,
        "居务事项办理情况",
        Frequency::Quarterly,
        false,
    ),
    (
        Affair::Residents,
        "低保及临时救助",
        Frequency::Quarterly,
        false,
    ),
    (
        Affair::Residents,
        "重大事项决策及实施",
        Frequency::Immediate,
        true,
    ),
    (Affair::Finance, "社区财务收支", Frequency::Monthly, false),
    (
        Affair::Finance,
        "社区惠民资金收支",
        Frequency::Quarterly,
        false,
    ),
    (Affair::Finance, "重大开支事项", Frequency::Immediate, true),
    (Affair::Party, "发展党员情况", Frequency::Yearly, false),
];

const EXPENSES: [&str; 8] = [
    "办公用品",
    "水电费",
    "公共设施维修",
    "文体活动",
    "困难群众慰问",
    "志愿服务",
    "环境整治",
    "宣传资料印制",
];

const WELFARE_PROJECTS: [&str; 6] = [
    "小区路灯更换",
    "楼道扶手加装",
    "健身器材维护",
    "困难家庭帮扶",
    "社会组织培育",
    "志愿服务站建设",
];

const MAJOR_MATTERS: [&str; 5] = [
    "老旧小区改造方案",
    "惠民资金年度项目安排",
    "停车位划定方案",
    "加装电梯意见征集结果",
    "社区公共用房使用调整",
];

/// Options: which communities, and where "now" is.
pub struct DisclosureOptions<'a> {
    /// (code, name) of each community.
    pub communities: &'a [(String, String)],
    pub seed: u64,
    pub now: Millis,
}

pub fn generate(opts: &DisclosureOptions<'_>) -> Vec<DemoDisclosure> {
    let mut rng = Rng::new(opts.seed, Stream::Disclosure);
    opts.communities
        .iter()
        .enumerate()
        .map(|(i, (code, name))| community(&mut rng, i, code, name, opts.now))
        .collect()
}

fn community(rng: &mut Rng, index: usize, code: &str, name: &str, now: Millis) -> DemoDisclosure {
    let grace = GraceDays::default();
    let year_ago = now - 365 * DAY;
    let items: Vec<DemoItem> = CATALOGUE
        .iter()
        .map(|&(affair, title, frequency, major)| {
            let first = periods_between(frequency, year_ago, now)
                .first()
                .map(Period::start_millis)
                .unwrap_or(year_ago);
            DemoItem {
                affair,
                title,
                frequency,
                major,
                grace_days: grace.of(frequency),
                active_from: first,
            }
        })
        .collect();
    let members: Vec<DemoMember> = (1..=3)
        .map(|n| DemoMember {
            username: format!("m{code}-{n}"),
            display_name: names::person(rng),
        })
        .collect();
    // Every seventh community leaves its latest due finance month unpublished, every
    // eleventh its latest due quarter of residents' affairs: the overdue warnings.
    let skip_finance = index % 7 == 3;
    let skip_residents = index % 11 == 5;
    let mut postings = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.frequency == Frequency::Immediate {
            continue;
        }
        let due: Vec<Period> = periods_between(item.frequency, item.active_from, now)
            .into_iter()
            .filter(|p| due_at(p, item.grace_days) < now)
            .collect();
        let skipped = match (item.affair, item.frequency) {
            (Affair::Finance, Frequency::Monthly) if skip_finance => due.last().copied(),
            (Affair::Residents, _) if skip_residents && i == 3 => due.last().copied(),
            _ => None,
        };
        for p in due {
            if Some(p) == skipped {
                continue;
            }
            let published = p.end_millis()
                + rng.range_i64(1, i64::from(item.grace_days) - 1) * DAY
                + rng.range_i64(9, 17) * HOUR;
            postings.push(periodic(rng, i, item, &p, name, published));
        }
    }
    for _ in 0..rng.range_i64(1, 2) {
        let i = if rng.chance(0.5) { 5 } else { 8 };
        let at = now - rng.range_i64(20, 330) * DAY;
        postings.push(major(rng, i, &items[i], name, at));
    }
    postings.sort_by_key(|p| p.published_at);
    if index % 10 == 4 {
        correct_a_finance_table(rng, &mut postings, now);
    }
    if index % 9 == 2 {
        // A major matter drafted a week ago, approved once, never published: late.
        let mut draft = major(rng, 5, &items[5], name, now - 7 * DAY);
        draft.published_at = None;
        draft.approvals.truncate(1);
        postings.push(draft);
    }
    DemoDisclosure {
        community_code: code.to_string(),
        author: format!("c{code}"),
        items,
        members,
        postings,
    }
}

/// Two distinct committee members, approving between drafting and publication.
fn approvals(rng: &mut Rng, created: Millis, published: Millis) -> Vec<(usize, Millis)> {
    let first = rng.index(3);
    let second = (first + 1 + rng.index(2)) % 3;
    let span = (published - created).max(2);
    vec![
        (first, created + span / 3),
        (second, created + span * 2 / 3),
    ]
}

fn periodic(
    rng: &mut Rng,
    index: usize,
    item: &DemoItem,
    period: &Period,
    community: &str,
    published: Millis,
) -> DemoPosting {
    let label = period.label_zh();
    let (body, lines) = match (item.affair, item.title) {
        (Affair::Finance, "社区财务收支") => finance_month(rng, community, &label),
        (Affair::Finance, _) => welfare_quarter(rng, community, &label),
        (Affair::Party, "党费收缴和使用") => (
            format!(
                "{community}党组织{label}应缴党费党员 {} 名，实缴 {} 名；党费全部按规定上缴，无截留挪用。",
                rng.range_i64(60, 180),
                rng.range_i64(55, 60)
            ),
            vec![],
        ),
        (Affair::Party, "两委班子成员及分工") => (
            format!(
                "{community}{label}两委班子成员 7 名，其中交叉任职 {} 名；分工详见附表。",
                rng.range_i64(2, 4)
            ),
            vec![],
        ),
        (Affair::Party, "发展党员情况") => (
            format!(
                "{label}确定入党积极分子 {} 名，发展对象 {} 名，接收预备党员 {} 名。",
                rng.range_i64(3, 9),
                rng.range_i64(1, 3),
                rng.range_i64(0, 2)
            ),
            vec![],
        ),
        (Affair::Party, _) => (
            format!(
                "{label}召开党委（支部）会议 {} 次，组织主题党日 {} 次，党员志愿服务 {} 人次。",
                rng.range_i64(3, 8),
                rng.range_i64(3, 4),
                rng.range_i64(80, 400)
            ),
            vec![],
        ),
        (Affair::Residents, "低保及临时救助") => (
            format!(
                "{label}在册低保户 {} 户，新增 {} 户，退出 {} 户；临时救助 {} 人次。名单已在公示栏张贴。",
                rng.range_i64(20, 90),
                rng.range_i64(0, 5),
                rng.range_i64(0, 4),
                rng.range_i64(2, 15)
            ),
            vec![],
        ),
        (Affair::Residents, _) => (
            format!(
                "{label}受理居民事项 {} 件，办结 {} 件；逢四说事收集议题 {} 个。",
                rng.range_i64(120, 400),
                rng.range_i64(110, 120),
                rng.range_i64(10, 40)
            ),
            vec![],
        ),
    };
    let created = published - rng.range_i64(2, 4) * DAY;
    DemoPosting {
        item: index,
        period: period.to_string(),
        title: format!("{label}{}", item.title),
        body,
        lines,
        created_at: created,
        approvals: approvals(rng, created, published),
        published_at: Some(published),
        corrects: false,
    }
}

fn amount(rng: &mut Rng, lo_yuan: i64, hi_yuan: i64) -> i64 {
    rng.range_i64(lo_yuan * 100, hi_yuan * 100)
}

fn finance_month(rng: &mut Rng, community: &str, label: &str) -> (String, Vec<LineItem>) {
    let mut lines = vec![LineItem {
        kind: LineKind::Income,
        label: "上级拨付办公经费".into(),
        amount_fen: amount(rng, 8_000, 20_000),
    }];
    if rng.chance(0.3) {
        lines.push(LineItem {
            kind: LineKind::Income,
            label: "公共用房租金".into(),
            amount_fen: amount(rng, 1_000, 6_000),
        });
    }
    let mut labels = EXPENSES.to_vec();
    rng.shuffle(&mut labels);
    for label in labels.iter().take(rng.range_i64(3, 6) as usize) {
        lines.push(LineItem {
            kind: LineKind::Expense,
            label: (*label).into(),
            amount_fen: amount(rng, 200, 4_000),
        });
    }
    (
        format!("{community}{label}财务收支明细如下，原始凭证存社区备查。"),
        lines,
    )
}

fn welfare_quarter(rng: &mut Rng, community: &str, label: &str) -> (String, Vec<LineItem>) {
    // 200,000 yuan a year: city 100,000 and district 100,000, a quarter of each per quarter.
    let mut lines = vec![
        LineItem {
            kind: LineKind::Income,
            label: "市级惠民资金".into(),
            amount_fen: 2_500_000,
        },
        LineItem {
            kind: LineKind::Income,
            label: "区级惠民资金".into(),
            amount_fen: 2_500_000,
        },
    ];
    let mut projects = WELFARE_PROJECTS.to_vec();
    rng.shuffle(&mut projects);
    for p in projects.iter().take(rng.range_i64(1, 3) as usize) {
        lines.push(LineItem {
            kind: LineKind::Expense,
            label: (*p).into(),
            amount_fen: amount(rng, 3_000, 16_000),
        });
    }
    (
        format!("{community}{label}惠民资金项目经居民代表会议表决通过，街道验收后拨付。"),
        lines,
    )
}

fn major(rng: &mut Rng, index: usize, item: &DemoItem, community: &str, at: Millis) -> DemoPosting {
    let matter = *rng.pick(&MAJOR_MATTERS);
    let period = Period::containing(Frequency::Immediate, at);
    let published = at + rng.range_i64(1, 2) * DAY;
    let lines = if item.affair == Affair::Finance {
        vec![LineItem {
            kind: LineKind::Expense,
            label: matter.into(),
            amount_fen: amount(rng, 30_000, 180_000),
        }]
    } else {
        vec![]
    };
    DemoPosting {
        item: index,
        period: period.to_string(),
        title: format!("{}{matter}", period.label_zh()),
        body: format!(
            "{community}就“{matter}”按四议两公开程序议定：党组织提议、两委会商议、党员大会审议、居民代表会议决议。现予公开，接受居民监督。"
        ),
        lines,
        created_at: at,
        approvals: approvals(rng, at, published),
        published_at: Some(published),
        corrects: false,
    }
}

/// A published monthly finance table is found to have one wrong amount: a correction
/// (a new version) is published a few days later.
fn correct_a_finance_table(rng: &mut Rng, postings: &mut Vec<DemoPosting>, now: Millis) {
    let Some(target) = postings
        .iter()
        .rposition(|p| p.item == 6 && p.published_at.is_some_and(|t| t < now - 20 * DAY))
    else {
        return;
    };
    let original = postings[target].clone();
    let published = original.published_at.unwrap_or(now) + rng.range_i64(5, 15) * DAY;
    let mut lines = original.lines.clone();
    let last = lines.len() - 1;
    lines[last].amount_fen += amount(rng, 10, 300);
    let created = published - DAY;
    postings.push(DemoPosting {
        title: format!("【更正】{}", original.title),
        body: format!(
            "{}\n更正说明：“{}”一项金额录入有误，现予更正。",
            original.body, lines[last].label
        ),
        lines,
        created_at: created,
        approvals: approvals(rng, created, published),
        published_at: Some(published),
        corrects: true,
        ..original
    });
    postings.sort_by_key(|p| p.published_at);
}

#[cfg(test)]
mod tests {
    use super::*;
    use tongxin_core::disclosure::{DueItem, ItemDraft, PendingDraft, check_item, overdue, totals};

    fn opts(communities: &[(String, String)]) -> DisclosureOptions<'_> {
        DisclosureOptions {
            communities,
            seed: 7,
            now: 1_795_000_000_000,
        }
    }

    fn communities(n: usize) -> Vec<(String, String)> {
        (0..n)
            .map(|i| (format!("450103001{:03}", i + 1), format!("社区{i}")))
            .collect()
    }

    #[test]
    fn generation_is_deterministic_and_follows_the_rules() {
        let list = communities(30);
        let a = generate(&opts(&list));
        assert_eq!(a, generate(&opts(&list)));
        let mut late = 0;
        let mut corrections = 0;
        for c in &a {
            for item in &c.items {
                let draft = ItemDraft {
                    affair: item.affair,
                    title: item.title.into(),
                    frequency: item.frequency,
                    major: item.major,
                    grace_days: item.grace_days,
                };
                assert_eq!(check_item(&draft), Ok(()));
            }
            for p in &c.postings {
                assert!(totals(&p.lines).is_ok());
                let item = &c.items[p.item];
                assert!(
                    Period::parse(item.frequency, &p.period).is_ok(),
                    "{}",
                    p.period
                );
                if p.published_at.is_some() {
                    assert_eq!(p.approvals.len(), 2);
                    assert_ne!(p.approvals[0].0, p.approvals[1].0);
                }
                corrections += usize::from(p.corrects);
            }
            for (i, item) in c.items.iter().enumerate() {
                let published: Vec<String> = c
                    .postings
                    .iter()
                    .filter(|p| p.item == i && p.published_at.is_some())
                    .map(|p| p.period.clone())
                    .collect();
                let drafts: Vec<PendingDraft> = c
                    .postings
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.item == i && p.published_at.is_none())
                    .map(|(n, p)| PendingDraft {
                        posting_id: n as i64,
                        item_id: i as i64,
                        period: p.period.clone(),
                        created_at: p.created_at,
                    })
                    .collect();
                let due = DueItem {
                    id: i as i64,
                    frequency: item.frequency,
                    grace_days: item.grace_days,
                    active_from: item.active_from,
                };
                late += overdue(&due, &published, &drafts, 1_795_000_000_000).len();
            }
        }
        assert!(late >= 3, "some publications are left overdue: {late}");
        assert!(corrections >= 2, "a few corrections: {corrections}");
    }
}
