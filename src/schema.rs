//! The JSON Schema of the scheme YAML (placeholder).
pub fn schema_json() -> String {
    "{}\n".to_string()
}
