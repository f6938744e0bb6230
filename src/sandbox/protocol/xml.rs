//! The XML side of the awsQuery protocol (STS and IAM): escaping, the response envelope and the
//! error envelope, exactly in the form the SDKs and the AWS CLI parse.

use std::fmt::Write;

/// IAM's XML namespace.
pub const IAM_NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// STS's XML namespace.
pub const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Escapes text for an XML element or attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all are dropped rather than emitted raw.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A small builder for result bodies: elements with escaped text, nested members.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// `<name>text</name>`, text escaped.
    pub fn element(&mut self, name: &str, text: &str) -> &mut Self {
        let _ = write!(self.out, "<{name}>{}</{name}>", escape(text));
        self
    }

    /// Opens `<name>`.
    pub fn open(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.out, "<{name}>");
        self
    }

    /// Closes `</name>`.
    pub fn close(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.out, "</{name}>");
        self
    }

    /// `<name><member>a</member>…</name>`.
    pub fn members(&mut self, name: &str, items: &[String]) -> &mut Self {
        self.open(name);
        for item in items {
            self.element("member", item);
        }
        self.close(name)
    }

    /// The XML built so far.
    pub fn finish(self) -> String {
        self.out
    }
}

/// `<{op}Response xmlns=…><{op}Result>result</{op}Result><ResponseMetadata>…</{op}Response>`;
/// operations without output (PutRolePolicy…) pass `None` and get no Result element.
pub fn response(
    namespace: &str,
    operation: &str,
    result: Option<&str>,
    request_id: &str,
) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{operation}Response xmlns=\"{namespace}\">"
    );
    if let Some(result) = result {
        let _ = write!(out, "<{operation}Result>{result}</{operation}Result>");
    }
    let _ = writeln!(
        out,
        "<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{operation}Response>",
        escape(request_id)
    );
    out
}

/// `<ErrorResponse><Error><Type>…</Type><Code>…</Code><Message>…</Message></Error><RequestId>`.
pub fn error(namespace: &str, sender: bool, code: &str, message: &str, request_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"{namespace}\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>\n",
        if sender { "Sender" } else { "Receiver" },
        escape(code),
        escape(message),
        escape(request_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{1}b\nc"), "ab\nc");
        assert_eq!(escape("plain"), "plain");
    }

    #[test]
    fn envelopes_have_the_awsquery_shape() {
        let mut body = XmlWriter::new();
        body.element("Account", "111122223333")
            .members("PolicyNames", &["a<b".to_string()]);
        let xml = response(IAM_NAMESPACE, "GetThing", Some(&body.finish()), "rid");
        assert!(xml.contains(
            "<GetThingResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetThingResult><Account>111122223333</Account><PolicyNames><member>a&lt;b</member></PolicyNames></GetThingResult>"
        ));
        assert!(xml.contains(
            "<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetThingResponse>"
        ));
        let bare = response(IAM_NAMESPACE, "PutRolePolicy", None, "r");
        assert!(!bare.contains("PutRolePolicyResult"));
        let err = error(STS_NAMESPACE, true, "AccessDenied", "not <allowed>", "r2");
        assert!(err.contains("<Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not &lt;allowed&gt;</Message></Error><RequestId>r2</RequestId></ErrorResponse>"));
    }

    proptest::proptest! {
        #[test]
        fn escaped_text_never_carries_markup(text in ".*") {
            let escaped = escape(&text);
            proptest::prop_assert!(!escaped.contains('<') && !escaped.contains('>') && !escaped.contains('"'));
            let unescaped = escaped
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&");
            let kept: String = text
                .chars()
                .filter(|c| (*c as u32) >= 0x20 || matches!(c, '\t' | '\n' | '\r'))
                .collect();
            proptest::prop_assert_eq!(unescaped, kept);
        }
    }
}
