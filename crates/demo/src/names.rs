//! Names for the demo city: the seven real districts of Nanning, street names (real where
//! known, otherwise plausible), and pools for communities, compounds, institutions and people.

use super::rng::Rng;
use std::collections::HashSet;

pub(super) struct DistrictSpec {
    pub code: &'static str,
    pub name: &'static str,
    /// Urban districts hold more communities per street.
    pub urban: bool,
    /// Relative land per grid: outer districts have larger grids.
    pub spread: f64,
    /// Street names (without 街道), coded 001, 002, … in this order.
    pub streets: &'static [&'static str],
    /// Community names (without 社区) used first in this district.
    pub known_communities: &'static [&'static str],
}

pub(super) const DISTRICTS: [DistrictSpec; 7] = [
    DistrictSpec {
        code: "450102",
        name: "兴宁区",
        urban: true,
        spread: 1.2,
        streets: &["民生", "朝阳", "兴东", "长湖", "三塘", "五塘"],
        known_communities: &["民生", "朝阳", "长湖", "兴宁"],
    },
    DistrictSpec {
        code: "450103",
        name: "青秀区",
        urban: true,
        spread: 1.0,
        streets: &[
            "新竹", "中山", "建政", "南湖", "津头", "凤岭", "仙葫", "长塘",
        ],
        known_communities: &[
            "金湖", "七星", "桃源", "东葛", "竹溪", "古城", "星湖", "民主",
        ],
    },
    DistrictSpec {
        code: "450105",
        name: "江南区",
        urban: true,
        spread: 1.1,
        streets: &["福建园", "江南", "沙井", "那洪", "金凯", "白沙", "吴圩"],
        known_communities: &["二桥西", "福建园", "白沙", "亭子", "五一", "江南"],
    },
    DistrictSpec {
        code: "450107",
        name: "西乡塘区",
        urban: true,
        spread: 1.1,
        streets: &[
            "衡阳",
            "北湖",
            "西乡塘",
            "安吉",
            "华强",
            "新阳",
            "上尧",
            "安宁",
        ],
        known_communities: &["北湖", "秀灵", "明秀", "衡阳", "华强", "安吉", "大学"],
    },
    DistrictSpec {
        code: "450108",
        name: "良庆区",
        urban: false,
        spread: 1.8,
        streets: &["大沙田", "玉洞", "良庆", "那马", "南晓", "银海"],
        known_communities: &["大沙田", "玉洞", "良庆"],
    },
    DistrictSpec {
        code: "450109",
        name: "邕宁区",
        urban: false,
        spread: 2.0,
        streets: &["蒲庙", "龙岗", "新江", "百济", "那楼"],
        known_communities: &["蒲庙", "龙岗"],
    },
    DistrictSpec {
        code: "450110",
        name: "武鸣区",
        urban: false,
        spread: 2.6,
        streets: &["城厢", "太平", "双桥", "宁武", "灵马"],
        known_communities: &["城厢", "灵源"],
    },
];

/// District placement in the city box, rows north→south, each row west→east: 武鸣 in the
/// north, 兴宁 north-east of the centre, 西乡塘 west, 青秀 east, 江南/良庆/邕宁 south.
pub(super) const DISTRICT_ROWS: [&[&str]; 3] = [
    &["450110", "450102"],
    &["450107", "450103"],
    &["450105", "450108", "450109"],
];

pub(super) fn district(code: &str) -> &'static DistrictSpec {
    DISTRICTS
        .iter()
        .find(|d| d.code == code)
        .expect("known district")
}

const PLACE_FIRST: [&str; 40] = [
    "金", "银", "桃", "竹", "星", "荔", "锦", "明", "秀", "凤", "龙", "朝", "新", "古", "长", "东",
    "西", "南", "北", "华", "和", "安", "富", "康", "民", "兴", "嘉", "翠", "青", "碧", "佛", "邕",
    "茶", "滨", "望", "双", "福", "瑞", "云", "松",
];
const PLACE_SECOND: [&str; 24] = [
    "湖", "园", "苑", "城", "岭", "塘", "桥", "坡", "景", "阳", "源", "林", "山", "江", "溪", "华",
    "庭", "坊", "洲", "亭", "港", "村", "泉", "台",
];

const ESTATE_FIRST: [&str; 32] = [
    "金", "桂", "荷", "兰", "梅", "翠", "御", "君", "锦", "盛", "恒", "万", "中", "保", "碧", "龙",
    "凤", "天", "海", "江", "湖", "悦", "尚", "雅", "丽", "阳", "光", "绿", "城", "南", "北", "东",
];
const ESTATE_SECOND: [&str; 12] = [
    "湾", "府", "园", "苑", "庭", "都", "城", "景", "轩", "台", "境", "峰",
];
const ESTATE_SUFFIX: [&str; 8] = [
    "小区", "花园", "家园", "新村", "公寓", "名都", "华庭", "雅苑",
];

/// Institutions that get a dedicated grid (专属网格).
pub(super) const INSTITUTIONS: [&str; 9] = [
    "小学",
    "中学",
    "幼儿园",
    "社区卫生服务中心",
    "医院",
    "农贸市场",
    "商贸城",
    "产业园",
    "物流园",
];

pub(super) const DEPARTMENTS: [&str; 7] = [
    "城市管理局",
    "住房和城乡建设局",
    "民政局",
    "市场监督管理局",
    "卫生健康局",
    "应急管理局",
    "生态环境局",
];

// Common surnames in Nanning, Zhuang surnames (韦, 覃, 蒙, 农, 蓝) among them.
const SURNAMES: [&str; 30] = [
    "韦", "黄", "李", "梁", "陆", "覃", "蒙", "莫", "农", "黎", "陈", "王", "张", "刘", "杨", "林",
    "周", "吴", "何", "罗", "谢", "邓", "苏", "蓝", "潘", "廖", "赵", "唐", "钟", "卢",
];
const GIVEN: [&str; 30] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玲", "婷", "宁", "邕", "斌", "宇",
];

/// Hands out names that are unique within one generated city.
pub(super) struct NameBook {
    used: HashSet<String>,
}

impl NameBook {
    pub(super) fn new() -> NameBook {
        NameBook {
            used: HashSet::new(),
        }
    }

    fn claim(&mut self, name: String) -> Option<String> {
        if self.used.insert(name.clone()) {
            Some(name)
        } else {
            None
        }
    }

    /// A community's short name (without 社区): the district's known names first, then a
    /// two-character place name.
    pub(super) fn community(&mut self, district: &DistrictSpec, rng: &mut Rng) -> String {
        for known in district.known_communities {
            if let Some(name) = self.claim((*known).to_string()) {
                return name;
            }
        }
        loop {
            let a = rng.pick(&PLACE_FIRST);
            let b = rng.pick(&PLACE_SECOND);
            if a == b {
                continue;
            }
            if let Some(name) = self.claim(format!("{a}{b}")) {
                return name;
            }
        }
    }

    /// A residential compound (小区) name, unique in the city.
    pub(super) fn compound(&mut self, rng: &mut Rng) -> String {
        loop {
            let a = rng.pick(&ESTATE_FIRST);
            let b = rng.pick(&ESTATE_SECOND);
            let s = rng.pick(&ESTATE_SUFFIX);
            if a == b || s.contains(a) || s.contains(b) {
                continue;
            }
            if let Some(name) = self.claim(format!("{a}{b}{s}")) {
                return name;
            }
        }
    }
}

/// A person's name: surname plus one or two given characters.
pub(super) fn person(rng: &mut Rng) -> String {
    let mut name = String::from(*rng.pick(&SURNAMES));
    name.push_str(rng.pick::<&str>(&GIVEN));
    if rng.chance(0.6) {
        name.push_str(rng.pick::<&str>(&GIVEN));
    }
    name
}
