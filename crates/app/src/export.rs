//! `gongzhi export grids`: the stored grids as a GeoJSON FeatureCollection.

use gongzhi_domain::{Crs, Level, RegionCode};
use gongzhi_store::Store;
use std::path::Path;

/// Writes the grids under `under` to `file` in `crs`; returns how many.
pub async fn grids(
    store: &dyn Store,
    under: &RegionCode,
    file: &Path,
    crs: Crs,
) -> anyhow::Result<usize> {
    let mut features = Vec::new();
    for level in [Level::Grid, Level::MicroGrid] {
        for (region, boundary) in store.boundaries(Some(under), Some(level)).await? {
            let boundary = gongzhi_geo::convert::from_wgs84(&boundary, crs);
            let staff = store.grid_staff(&region.code).await?;
            let mut properties = serde_json::Map::new();
            properties.insert("code".into(), region.code.to_string().into());
            properties.insert("name".into(), region.name.clone().into());
            properties.insert("level".into(), region.level().to_string().into());
            let parent = region.code.parent().map(|p| p.to_string());
            properties.insert("parent".into(), parent.into());
            let leader = staff
                .iter()
                .find(|s| s.role == gongzhi_domain::StaffRole::Leader);
            properties.insert("leader".into(), leader.map(|s| s.name.clone()).into());
            let workers: Vec<_> = staff
                .iter()
                .filter(|s| s.role == gongzhi_domain::StaffRole::Worker)
                .map(|s| s.name.clone())
                .collect();
            properties.insert("workers".into(), workers.into());
            features.push(geojson::Feature {
                bbox: None,
                geometry: Some(geojson::Geometry::from(&boundary)),
                id: Some(geojson::feature::Id::String(region.code.to_string())),
                properties: Some(properties),
                foreign_members: None,
            });
        }
    }
    let count = features.len();
    let collection = geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    };
    anyhow::ensure!(
        count > 0,
        "no grid with a boundary is stored in {under}: nothing to export"
    );
    write_whole(file, collection.to_string().as_bytes())?;
    Ok(count)
}

/// Writes `file` through a temporary file beside it and a rename, so that a
/// reader never sees half a file and a failed export leaves the old one.
pub fn write_whole(file: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let cannot = |e: std::io::Error| anyhow::anyhow!("cannot write {}: {e}", file.display());
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(cannot)?;
    let partial = file.with_extension("partial");
    std::fs::write(&partial, bytes).map_err(cannot)?;
    std::fs::rename(&partial, file).map_err(cannot)
}
