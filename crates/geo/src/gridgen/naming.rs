//! Names of the generated grids. A grid is named after its community with
//! a number, "翠洲社区第1网格"; published community names mostly end in the
//! name of their committee, in many spellings, which the grid names leave
//! out.

/// Committee suffixes of community names, as published (typos included),
/// and what replaces them; a suffix comes before the shorter ones it ends
/// with. A grid is named after its community, not after its committee.
const COMMITTEE_SUFFIXES: [(&str, &str); 10] = [
    ("居民委员会", ""),
    ("村民委员会", "村"),
    ("居委委员会", ""),
    ("居委员会", ""),
    ("居委会会", ""),
    ("村民委会", "村"),
    ("居委会", ""),
    ("村委会", "村"),
    ("委员会", ""),
    ("居委", ""),
];

/// The part of a community's name that its grids are named after:
/// "翠洲社区居民委员会" → "翠洲社区", "新溪村民委员会" → "新溪村",
/// "永兴村委会" → "永兴村". A name that would become empty stays whole.
pub(super) fn grid_stem(community_name: &str) -> String {
    let name = community_name.trim();
    COMMITTEE_SUFFIXES
        .iter()
        .find_map(|(suffix, replacement)| {
            let stem = name.strip_suffix(suffix)?;
            (!stem.is_empty()).then(|| format!("{stem}{replacement}"))
        })
        .unwrap_or_else(|| name.to_owned())
}

/// The name of grid `number` of a community whose name has the stem `stem`
/// (see [`grid_stem`]): "翠洲社区" and 1 give "翠洲社区第1网格".
pub(super) fn grid_name(stem: &str, number: u32) -> String {
    format!("{stem}第{number}网格")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_are_named_after_the_community() {
        for (committee, stem) in [
            ("翠洲社区居民委员会", "翠洲社区"),
            ("新溪村民委员会", "新溪村"),
            ("鹤洞社区居委会", "鹤洞社区"),
            ("永兴村委会", "永兴村"),
            ("南村村委会", "南村村"),
            ("福成居民委员会", "福成"),
            ("南漖社区居委会会", "南漖社区"),
            ("海湾社区居委委员会", "海湾社区"),
            ("地派镇社区居委员会", "地派镇社区"),
            ("茶山居民区社区委员会", "茶山居民区社区"),
            ("黄麻布社区居委", "黄麻布社区"),
            ("石牌村民委会", "石牌村"),
            ("大澳渔委会", "大澳渔委会"),
            ("居委会", "居委会"),
            ("䃥头社区", "䃥头社区"),
        ] {
            assert_eq!(grid_stem(committee), stem, "{committee}");
        }
    }
}
