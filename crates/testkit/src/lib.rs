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
