use super::*;
use crate::actor::Role;
use proptest::prelude::*;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

#[test]
fn the_built_in_roles_cover_every_part_of_the_loop_but_the_system() {
    let roles = Roles::built_in();
    for role in Role::ALL.into_iter().filter(|r| *r != Role::System) {
        assert!(
            roles.all().iter().any(|d| d.acts_as == role),
            "no role acts as {role}"
        );
    }
    let admin = roles.get("admin").unwrap();
    assert!(admin.may(Permission::ManageUsers));
    assert!(
        !admin.may(Permission::ReadEvents),
        "administrators do not read cases"
    );
    assert!(
        roles
            .get("operator")
            .unwrap()
            .may(Permission::RevealPersonalData)
    );
    assert!(
        !roles
            .get("grid_worker")
            .unwrap()
            .may(Permission::RevealPersonalData)
    );
    assert_eq!(roles.get("citizen").unwrap().scope, ScopeKind::Own);
}

#[test]
fn a_bad_roles_file_is_refused_naming_the_role() {
    let role = |name: &str, acts_as: &str| {
        format!(
            "[[roles]]\nname = \"{name}\"\ntitle = \"t\"\ntitle_en = \"t\"\nacts_as = \"{acts_as}\"\nscope = \"own\"\npermissions = []\n"
        )
    };
    let base = format!("{}{}", role("citizen", "citizen"), role("admin", "admin"));
    assert_eq!(
        Roles::parse(&format!("{base}{}", role("citizen", "citizen"))),
        Err(RolesError::Duplicate("citizen".into()))
    );
    assert_eq!(
        Roles::parse(&format!("{base}{}", role("Bad Name", "leader"))),
        Err(RolesError::Name("Bad Name".into()))
    );
    assert_eq!(
        Roles::parse(&format!("{base}{}", role("robot", "system"))),
        Err(RolesError::ActsAsSystem("robot".into()))
    );
    assert_eq!(
        Roles::parse(&role("citizen", "citizen")),
        Err(RolesError::Missing("admin"))
    );
    let unknown = format!("{base}{}", role("x", "citizen")).replace(
        "permissions = []\n[[roles]]\nname = \"x\"",
        "permissions = [\"events.fly\"]\n[[roles]]\nname = \"x\"",
    );
    let Err(RolesError::Syntax(message)) = Roles::parse(&unknown) else {
        panic!("an unknown permission was accepted");
    };
    assert!(message.contains("events.fly"), "{message}");
    let custom = Roles::parse(&format!("{base}{}", role("inspector", "leader"))).unwrap();
    assert_eq!(custom.get("inspector").unwrap().acts_as, Role::Leader);
}

#[test]
fn scopes_admit_what_lies_within_them() {
    let grid = code("440507001001001");
    let other_grid = code("440507001001002");
    let town = code("440507001");
    let inside = Placed {
        region: Some(&grid),
        grid: Some(&grid),
        department: Some("440507-chengguan"),
        reporter: Some("k1"),
    };
    let unplaced = Placed {
        region: None,
        grid: None,
        department: None,
        reporter: None,
    };
    assert!(Scope::Region(town.clone()).admits(inside));
    assert!(!Scope::Region(code("440511")).admits(inside));
    assert!(!Scope::Region(town.clone()).admits(unplaced));
    assert!(Scope::Region(code("4405")).admits(unplaced));
    assert!(Scope::Grids(vec![grid.clone()]).admits(inside));
    assert!(!Scope::Grids(vec![other_grid]).admits(inside));
    let department = |d: &str| Scope::Department {
        region: town.clone(),
        department: d.into(),
    };
    assert!(department("440507-chengguan").admits(inside));
    assert!(!department("440507-gongan").admits(inside));
    assert!(Scope::Reporter("k1".into()).admits(inside));
    assert!(!Scope::Reporter("k2".into()).admits(inside));
    assert!(!Scope::Nothing.admits(inside));
    assert!(Scope::All.admits(unplaced));
}

proptest! {
    #[test]
    fn a_region_scope_admits_exactly_its_subtree(
        root in "4405[0-9]{2}",
        leaf in "4405[0-9]{2}[0-9]{3}",
    ) {
        let (root, leaf) = (code(&root), code(&leaf));
        let placed = Placed { region: Some(&leaf), grid: None, department: None, reporter: None };
        prop_assert_eq!(
            Scope::Region(root.clone()).admits(placed),
            leaf.as_str().starts_with(root.as_str())
        );
    }

    #[test]
    fn passwords_shorter_than_the_minimum_are_refused(p in "[a-zA-Z0-9!]{0,9}") {
        prop_assert!(matches!(check_password(&p, "user"), Err(PasswordError::TooShort(_))));
    }

    #[test]
    fn mobile_numbers_round_trip_and_mask(n in "1[3-9][0-9]{9}") {
        let m = MobileNumber::parse(&format!("+86 {}-{}", &n[..3], &n[3..])).unwrap();
        prop_assert_eq!(m.as_str(), n.as_str());
        let masked = m.masked();
        prop_assert_eq!(&masked[..3], &n[..3]);
        prop_assert_eq!(&masked[7..], &n[7..]);
        prop_assert_eq!(format!("{m:?}"), masked);
    }
}

#[test]
fn the_password_policy_names_what_is_wrong() {
    assert_eq!(
        check_password("short1A", "li"),
        Err(PasswordError::TooShort(7))
    );
    assert_eq!(
        check_password("alllowercaseletters", "li"),
        Err(PasswordError::TooSimple)
    );
    assert_eq!(
        check_password("Wangwei2026!", "wangwei"),
        Err(PasswordError::ContainsLogin)
    );
    assert_eq!(check_password("Gongzhi-2026", "wangwei"), Ok(()));
    assert_eq!(check_password("共治平台密码ab12", "x"), Ok(()));
    assert!(MobileNumber::parse("12812345678").is_none());
    assert!(MobileNumber::parse("1381234567").is_none());
    assert!(MobileNumber::parse("1381234567a").is_none());
}
