//! The server's JSON read through the browser's own parser (`JSON.parse`). serde_json's decoder,
//! with the float formatting its errors pull in, was over half of the compressed WASM; islands
//! take no props for the same reason (the `#[island]` macro decodes props with serde_json).

use wasm_bindgen::JsValue;

/// A parsed JSON value; a missing key or a value of another type reads as absent.
pub struct Json(JsValue);

impl Json {
    pub fn parse(text: &str) -> Option<Json> {
        js_sys::JSON::parse(text).ok().map(Json)
    }

    /// The value under `key` of an object.
    pub fn get(&self, key: &str) -> Json {
        Json(js_sys::Reflect::get(&self.0, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED))
    }

    /// The element `index` of an array.
    pub fn at(&self, index: u32) -> Json {
        Json(js_sys::Reflect::get_u32(&self.0, index).unwrap_or(JsValue::UNDEFINED))
    }

    /// The elements of an array; none for anything else.
    pub fn items(&self) -> Vec<Json> {
        if js_sys::Array::is_array(&self.0) {
            js_sys::Array::from(&self.0).iter().map(Json).collect()
        } else {
            Vec::new()
        }
    }

    pub fn str(&self) -> Option<String> {
        self.0.as_string()
    }

    /// A whole number. The server sends none above 2^53, where a JavaScript number stops
    /// being exact (panel versions are cut to 53 bits for this).
    pub fn int(&self) -> Option<i64> {
        self.0
            .as_f64()
            .filter(|n| n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0)
            .map(|n| n as i64)
    }

    pub fn flag(&self) -> bool {
        self.0.as_bool().unwrap_or(false)
    }
}
