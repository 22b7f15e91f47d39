//! Rebuild when the browser app is rebuilt: its files are embedded by name,
//! and a new build brings new (content-hashed) names.
fn main() {
    println!("cargo:rerun-if-changed=../../web/dist");
}
