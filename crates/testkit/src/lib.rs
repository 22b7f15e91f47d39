//! Helpers shared by the tests and benchmarks of every gongzhi crate.

pub mod pg;

use std::io::Write;
use std::path::{Path, PathBuf};

/// Says that a test is skipped, where a person will see it: straight to the
/// stderr stream, because the test harness captures `eprintln!` and shows it
/// only for failing tests.
pub fn skip(why: &str) {
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {why} ***\n");
}

/// The reference data folder (`divisions/`, `boundaries/guangdong/`,
/// `coinr-asem/`): `GONGZHI_SHARED_DATA`, else `../shared/data` beside the
/// workspace. `None`, after a loud skip message, when it is absent.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("GONGZHI_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    if dir.join("divisions").is_dir() {
        Some(dir)
    } else {
        skip(&format!(
            "reference data folder {} not found; set GONGZHI_SHARED_DATA to run this test",
            dir.display()
        ));
        None
    }
}

/// The text of a keyring for tests: one fixed key, so that a database
/// written by the binary under test can be read by the test.
pub const TEST_KEYS: &str = "primary = \"k1\"\n\n[keys]\n\
    k1 = \"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"\n";

/// The keyring of [`TEST_KEYS`].
pub fn keyring() -> std::sync::Arc<gongzhi_domain::crypto::Keyring> {
    std::sync::Arc::new(
        gongzhi_domain::crypto::Keyring::parse(TEST_KEYS).expect("the test keyring parses"),
    )
}
