//! Reading the division list of the shared data folder, for the tests and
//! the benchmark (which includes this file by path).

use gongzhi_domain::{Region, RegionCode};
use std::path::Path;

/// The regions of `divisions/<file>` whose codes start with `prefix`,
/// reading the `code` and `name` columns by their headers.
pub fn divisions(data: &Path, file: &str, prefix: &str) -> Vec<Region> {
    let path = data.join("divisions").join(file);
    let mut reader = csv::Reader::from_path(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let headers = reader.headers().expect("a header row").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{} has no column {name}", path.display()))
    };
    let (code, name) = (column("code"), column("name"));
    reader
        .records()
        .map(|record| record.expect("a CSV record"))
        .filter(|record| record[code].starts_with(prefix))
        .map(|record| {
            let code = RegionCode::parse(&record[code]).expect("a valid code");
            Region::new(code, &record[name])
        })
        .collect()
}
