//! The in-process point → grid index with the names needed to answer with ancestors.

use std::collections::HashMap;
use tongxin_geo::index::GridIndex;
use tongxin_geo::polygon::Polygon;
use tongxin_store::{Store, StoreError, territory};

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NodeRef {
    pub code: String,
    pub name: String,
    /// city, district, street, community or grid.
    pub level: String,
}

pub(crate) struct DivisionName {
    name: String,
    level: String,
    parent: Option<String>,
}

pub struct Locator {
    index: GridIndex,
    grid_codes: Vec<String>,
    grid_names: HashMap<String, String>,
    divisions: HashMap<String, DivisionName>,
}

/// Stored boundary text (GeoJSON Polygon `coordinates`) → polygon.
pub fn polygon_from_json(text: &str) -> Result<Polygon, String> {
    let rings: Vec<Vec<[f64; 2]>> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut rings = rings.into_iter();
    let exterior = rings.next().ok_or("polygon without rings")?;
    Ok(Polygon {
        exterior,
        holes: rings.collect(),
    })
}

/// Polygon → stored boundary text (GeoJSON Polygon `coordinates`).
pub fn polygon_to_json(p: &Polygon) -> String {
    let rings: Vec<&Vec<[f64; 2]>> = std::iter::once(&p.exterior).chain(p.holes.iter()).collect();
    serde_json::to_string(&rings).unwrap_or_else(|_| "[]".into())
}

impl Locator {
    pub fn empty() -> Locator {
        Locator {
            index: GridIndex::build(&[]),
            grid_codes: Vec::new(),
            grid_names: HashMap::new(),
            divisions: HashMap::new(),
        }
    }

    /// Loads every grid boundary and division name and builds the index.
    pub async fn load(store: &Store) -> Result<Locator, StoreError> {
        let grids = territory::all_grid_boundaries(store).await?;
        let divisions = territory::all_division_names(store).await?;
        let built = tokio::task::spawn_blocking(move || Locator::from_rows(grids, divisions))
            .await
            .map_err(|e| StoreError::Corrupt(e.to_string()))??;
        Ok(built)
    }

    fn from_rows(
        grids: Vec<(String, String, String)>,
        divisions: Vec<(String, String, String, Option<String>)>,
    ) -> Result<Locator, StoreError> {
        let mut polygons = Vec::with_capacity(grids.len());
        let mut grid_codes = Vec::with_capacity(grids.len());
        let mut grid_names = HashMap::with_capacity(grids.len());
        for (i, (code, name, boundary)) in grids.into_iter().enumerate() {
            let polygon = polygon_from_json(&boundary)
                .map_err(|e| StoreError::Corrupt(format!("grid {code} boundary: {e}")))?;
            polygons.push((i as u32, polygon));
            grid_names.insert(code.clone(), name);
            grid_codes.push(code);
        }
        let divisions = divisions
            .into_iter()
            .map(|(code, name, level, parent)| {
                (
                    code,
                    DivisionName {
                        name,
                        level,
                        parent,
                    },
                )
            })
            .collect();
        Ok(Locator {
            index: GridIndex::build(&polygons),
            grid_codes,
            grid_names,
            divisions,
        })
    }

    pub fn grid_count(&self) -> usize {
        self.grid_codes.len()
    }

    /// The grid containing a WGS-84 point.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<&str> {
        self.index
            .locate(lon, lat)
            .and_then(|i| self.grid_codes.get(i as usize))
            .map(String::as_str)
    }

    /// The node and its ancestors, from the city down to the node itself.
    pub fn path(&self, code: &str) -> Vec<NodeRef> {
        let mut chain = Vec::new();
        let mut next = if let Some(name) = self.grid_names.get(code) {
            chain.push(NodeRef {
                code: code.into(),
                name: name.clone(),
                level: "grid".into(),
            });
            Some(code[..12].to_string())
        } else {
            Some(code.to_string())
        };
        while let Some(c) = next {
            let Some(d) = self.divisions.get(&c) else {
                break;
            };
            chain.push(NodeRef {
                code: c.clone(),
                name: d.name.clone(),
                level: d.level.clone(),
            });
            next = d.parent.clone();
        }
        chain.reverse();
        chain
    }
}
