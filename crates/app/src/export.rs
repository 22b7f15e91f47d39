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
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(file, collection.to_string())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
    Ok(count)
}
