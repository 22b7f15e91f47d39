//! GeoReport v2 services: one per class and category of the catalogue in
//! force, grouped under their class. No service has attributes to fill in,
//! so each is `metadata: false`, and its definition lists none.

use super::document::Doc;
use super::format::{Open311Error, Reply};
use crate::AppState;
use gongzhi_domain::catalogue::{Catalogue, Category};

/// The name a service code shows: its category's, or the code itself when
/// the catalogue in force no longer has it.
pub fn service_name(catalogue: &Catalogue, code: &str) -> String {
    catalogue
        .get(code)
        .map_or_else(|| code.to_owned(), |c| c.name.clone())
}

fn service(catalogue: &Catalogue, category: &Category) -> Doc {
    Doc::Record(vec![
        ("service_code", Doc::Text(category.code.clone())),
        ("service_name", Doc::Text(category.name.clone())),
        ("description", Doc::Text(category.description.clone())),
        ("metadata", Doc::Bool(false)),
        ("type", Doc::Text("realtime".into())),
        // The English name: the synonym a foreign client searches by.
        ("keywords", Doc::Text(category.name_en.clone())),
        ("group", Doc::Text(service_name(catalogue, &category.class))),
    ])
}

/// `GET services`: every class and category, by code.
pub fn list(state: &AppState) -> Result<Reply, Open311Error> {
    let rules = state.service.rules();
    let catalogue = &rules.catalogue;
    let services = catalogue
        .categories()
        .map(|c| service(catalogue, c))
        .collect();
    Ok(Reply::ok("services", Doc::list("service", services)))
}

/// `GET services/{service_code}`: the code with no attributes; a 404 for a
/// code the catalogue does not have.
pub fn definition(state: &AppState, code: &str) -> Result<Reply, Open311Error> {
    let rules = state.service.rules();
    let category = rules
        .catalogue
        .get(code)
        .ok_or_else(|| Open311Error::not_found(format!("service_code {code} was not found")))?;
    Ok(Reply::ok(
        "service_definition",
        Doc::Record(vec![
            ("service_code", Doc::Text(category.code.clone())),
            ("attributes", Doc::list("attribute", Vec::new())),
        ]),
    ))
}
