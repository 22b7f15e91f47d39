//! One document model for both GeoReport v2 formats. The spec defines its
//! JSON as a mapping of its XML (the Spark convention): an XML list element
//! such as `<formats><format>…</format></formats>` is a JSON array
//! `"formats": […]`. A [`Doc`] keeps what the JSON leaves out, the name of
//! each list's items, so one value writes both formats, fields in order.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// A value of a response, written as JSON or XML.
#[derive(Debug, Clone, PartialEq)]
pub enum Doc {
    /// JSON `null`; an empty element in XML.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction, such as a latitude.
    Float(f64),
    /// Text.
    Text(String),
    /// Named fields, in the order written.
    Record(Vec<(&'static str, Doc)>),
    /// A list whose XML items are elements named `item`.
    List {
        /// The element name of each item, such as `service`.
        item: &'static str,
        /// The items.
        items: Vec<Doc>,
    },
}

impl Doc {
    /// Text, or null when absent.
    pub fn text(value: Option<impl Into<String>>) -> Doc {
        value.map_or(Doc::Null, |v| Doc::Text(v.into()))
    }

    /// A list of `items`, each an XML element named `item`.
    pub fn list(item: &'static str, items: Vec<Doc>) -> Doc {
        Doc::List { item, items }
    }

    /// The document as XML with a root element `root`, after the XML
    /// declaration the spec requires.
    pub fn to_xml(&self, root: &'static str) -> Vec<u8> {
        let mut writer = Writer::new(Vec::new());
        write_xml(&mut writer, root, self).expect("writing to memory cannot fail");
        writer.into_inner()
    }
}

impl Serialize for Doc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Doc::Null => serializer.serialize_unit(),
            Doc::Bool(b) => serializer.serialize_bool(*b),
            Doc::Int(n) => serializer.serialize_i64(*n),
            Doc::Float(x) => serializer.serialize_f64(*x),
            Doc::Text(s) => serializer.serialize_str(s),
            Doc::Record(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (name, value) in fields {
                    map.serialize_entry(name, value)?;
                }
                map.end()
            }
            Doc::List { items, .. } => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
        }
    }
}

/// Text as XML 1.0 allows it: characters it forbids (most control
/// characters, U+FFFE, U+FFFF) become U+FFFD; the writer escapes the rest.
fn xml_chars(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
            _ => c,
        })
        .collect()
}

fn write_xml(writer: &mut Writer<Vec<u8>>, root: &'static str, doc: &Doc) -> std::io::Result<()> {
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    element(writer, root, doc)
}

fn element(writer: &mut Writer<Vec<u8>>, name: &str, doc: &Doc) -> std::io::Result<()> {
    let text = match doc {
        Doc::Null => return writer.write_event(Event::Empty(BytesStart::new(name))),
        Doc::List { items, .. } if items.is_empty() => {
            return writer.write_event(Event::Empty(BytesStart::new(name)));
        }
        Doc::Bool(b) => b.to_string(),
        Doc::Int(n) => n.to_string(),
        Doc::Float(x) => x.to_string(),
        Doc::Text(s) => xml_chars(s),
        Doc::Record(fields) => {
            writer.write_event(Event::Start(BytesStart::new(name)))?;
            for (field, value) in fields {
                element(writer, field, value)?;
            }
            return writer.write_event(Event::End(BytesEnd::new(name)));
        }
        Doc::List { item, items } => {
            writer.write_event(Event::Start(BytesStart::new(name)))?;
            for value in items {
                element(writer, item, value)?;
            }
            return writer.write_event(Event::End(BytesEnd::new(name)));
        }
    };
    writer.write_event(Event::Start(BytesStart::new(name)))?;
    writer.write_event(Event::Text(BytesText::new(&text)))?;
    writer.write_event(Event::End(BytesEnd::new(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Doc {
        Doc::Record(vec![
            ("changeset", Doc::Text("2026-03-01T09:00:00+08:00".into())),
            ("contact", Doc::Null),
            (
                "endpoints",
                Doc::list(
                    "endpoint",
                    vec![Doc::Record(vec![
                        ("lat", Doc::Float(23.365)),
                        ("order", Doc::Int(1)),
                        ("metadata", Doc::Bool(false)),
                        (
                            "formats",
                            Doc::list(
                                "format",
                                vec![
                                    Doc::Text("application/json".into()),
                                    Doc::Text("text/xml".into()),
                                ],
                            ),
                        ),
                        ("attributes", Doc::list("attribute", vec![])),
                    ])],
                ),
            ),
        ])
    }

    #[test]
    fn json_keeps_field_order_and_turns_lists_into_arrays() {
        assert_eq!(
            serde_json::to_string(&sample()).unwrap(),
            r#"{"changeset":"2026-03-01T09:00:00+08:00","contact":null,"endpoints":[{"lat":23.365,"order":1,"metadata":false,"formats":["application/json","text/xml"],"attributes":[]}]}"#
        );
    }

    #[test]
    fn xml_names_list_items_and_writes_null_as_an_empty_element() {
        assert_eq!(
            String::from_utf8(sample().to_xml("discovery")).unwrap(),
            concat!(
                r#"<?xml version="1.0" encoding="utf-8"?><discovery>"#,
                "<changeset>2026-03-01T09:00:00+08:00</changeset><contact/>",
                "<endpoints><endpoint><lat>23.365</lat><order>1</order><metadata>false</metadata>",
                "<formats><format>application/json</format><format>text/xml</format></formats>",
                "<attributes/></endpoint></endpoints></discovery>"
            )
        );
    }

    #[test]
    fn xml_text_is_escaped_and_stripped_of_forbidden_characters() {
        let doc = Doc::list(
            "request",
            vec![Doc::Record(vec![(
                "description",
                Doc::Text("a < b & \"c\"\u{1}\n垃圾".into()),
            )])],
        );
        let xml = String::from_utf8(doc.to_xml("service_requests")).unwrap();
        assert!(
            xml.ends_with(
                "<service_requests><request><description>a &lt; b &amp; &quot;c&quot;\u{fffd}\n垃圾</description></request></service_requests>"
            ),
            "{xml}"
        );
    }
}
