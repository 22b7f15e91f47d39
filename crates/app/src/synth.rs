//! Synthetic people for the demo: a grid leader (网格长) and one or two grid
//! workers (网格员) per grid, 1.8 workers per grid on average as in Shantou
//! (15,660 workers for 8,624 grids). Names are drawn deterministically from
//! common surnames and given-name characters.

use gongzhi_domain::{GridStaff, RegionCode, StaffRole, seeded::seeded_hash};

const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN: &str = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏飞斌宇浩凯健俊帆欣怡佳琪雪梅晨曦思源志海晓东春燕";

fn pick(chars: &str, h: u64) -> char {
    let n = chars.chars().count() as u64;
    chars
        .chars()
        .nth((h % n) as usize)
        .expect("index below the count")
}

fn name(seed: u64, grid: &RegionCode, slot: u64) -> String {
    let h = seeded_hash(seed, grid.as_str(), slot);
    let mut s = String::new();
    s.push(pick(SURNAMES, h));
    s.push(pick(GIVEN, h >> 16));
    if !(h >> 40).is_multiple_of(3) {
        s.push(pick(GIVEN, h >> 24));
    }
    s
}

/// The staff of one grid: its leader, then its workers.
pub fn staff_for(seed: u64, grid: &RegionCode) -> Vec<GridStaff> {
    let workers = if seeded_hash(seed, grid.as_str(), 99).is_multiple_of(5) {
        1
    } else {
        2
    };
    std::iter::once(StaffRole::Leader)
        .chain(std::iter::repeat_n(StaffRole::Worker, workers))
        .enumerate()
        .map(|(slot, role)| GridStaff {
            grid: grid.clone(),
            name: name(seed, grid, slot as u64),
            role,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_leader_and_about_one_point_eight_workers_per_grid() {
        let community = RegionCode::parse("440507001001").unwrap();
        let (mut leaders, mut workers) = (0, 0);
        for n in 1..=500 {
            for s in staff_for(0, &community.child(n).unwrap()) {
                assert!((2..=3).contains(&s.name.chars().count()), "{}", s.name);
                match s.role {
                    StaffRole::Leader => leaders += 1,
                    StaffRole::Worker => workers += 1,
                }
            }
        }
        assert_eq!(leaders, 500);
        let mean = f64::from(workers) / 500.0;
        assert!((1.7..1.9).contains(&mean), "{mean}");
    }

    #[test]
    fn the_same_seed_gives_the_same_people() {
        let grid = RegionCode::parse("440507001001003").unwrap();
        assert_eq!(staff_for(3, &grid), staff_for(3, &grid));
        assert_ne!(staff_for(3, &grid), staff_for(4, &grid));
    }
}
