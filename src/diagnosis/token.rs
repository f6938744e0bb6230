//! Finding the encoded authorization failure message (the token) in any text a user may paste or
//! a service may return: a restore job's `StatusMessage`, an EC2 API error, Terraform output.

/// STS refuses encoded messages longer than this.
pub const MAX_TOKEN_LEN: usize = 10_240;

/// The phrase AWS puts before the token (matched case-insensitively).
const MARKER: &str = "encoded authorization failure message:";

/// Shortest run of token characters accepted as a bare token: real tokens are hundreds of
/// characters, so short words are never mistaken for one.
const MIN_BARE_TOKEN_LEN: usize = 64;

/// Why no usable token was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The text holds no encoded message.
    #[error(
        "no encoded authorization failure message found (expected text containing \"Encoded authorization failure message: <token>\" or the bare token)"
    )]
    NotFound,
    /// The marker is there but no token follows it.
    #[error("\"Encoded authorization failure message:\" is not followed by a token")]
    EmptyAfterMarker,
    /// The token is longer than STS accepts.
    #[error("the encoded message is {0} characters long; STS accepts at most 10,240")]
    TooLong(usize),
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Finds the encoded message in `text`.
///
/// After the marker the token runs while characters are in `[A-Za-z0-9_-]`; it may be followed by
/// `.`, quotes, whitespace or more text. Without the marker, text made only of token characters
/// and line breaks (terminal wrapping) is taken as a bare token and joined.
pub fn extract_token(text: &str) -> Result<String, TokenError> {
    match find_marker(text) {
        Some(start) => token_at(text, start),
        None => bare_token(text),
    }
}

/// The token after the marker that ends at `start` in `text`.
fn token_at(text: &str, start: usize) -> Result<String, TokenError> {
    let token = token_after_marker(text[start..].trim_start());
    if token.is_empty() {
        return Err(TokenError::EmptyAfterMarker);
    }
    check_len(token)
}

/// The token AWS's marker introduces in `text`, and where the marker ends (the marker is
/// looked for once).
pub(crate) fn marked_token(text: &str) -> Option<(usize, String)> {
    let start = find_marker(text)?;
    token_at(text, start).ok().map(|token| (start, token))
}

/// A wrapped segment must be at least this long before a line break is taken as wrapping
/// (terminals and log viewers are wider than this; a short word before a break is prose).
const MIN_WRAPPED_SEGMENT: usize = 32;

/// The token that starts `rest`, joined across line breaks a terminal or a log viewer put
/// inside it: a break right after a token character, then optional indentation, then a run of
/// token characters that ends the line, the text or a sentence (`.`, quotes), or that looks
/// like token material (a long run with digits) rather than the next word of prose.
fn token_after_marker(rest: &str) -> String {
    let mut token = String::new();
    let mut segment = rest;
    loop {
        let run_len = segment
            .char_indices()
            .find(|&(_, c)| !is_token_char(c))
            .map_or(segment.len(), |(i, _)| i);
        token.push_str(&segment[..run_len]);
        let after = &segment[run_len..];
        if run_len < MIN_WRAPPED_SEGMENT && token.len() < MIN_WRAPPED_SEGMENT {
            return token;
        }
        let Some(next_line) = after
            .strip_prefix("\r\n")
            .or_else(|| after.strip_prefix('\n'))
        else {
            return token;
        };
        let continuation = next_line.trim_start_matches([' ', '\t']);
        let next_len = continuation
            .char_indices()
            .find(|&(_, c)| !is_token_char(c))
            .map_or(continuation.len(), |(i, _)| i);
        if next_len == 0 {
            return token;
        }
        let run = &continuation[..next_len];
        let ends_cleanly = match continuation[next_len..].chars().next() {
            None | Some('\r' | '\n' | '.' | '"' | '\'' | ')' | ',' | ';') => true,
            Some(_) => next_len >= 12 && run.chars().any(|c| c.is_ascii_digit()),
        };
        if !ends_cleanly {
            return token;
        }
        segment = continuation;
    }
}

/// Returns the byte offset just after the marker, if the text contains it.
fn find_marker(text: &str) -> Option<usize> {
    // ASCII lower-casing keeps byte offsets identical to the original text.
    let lower = text.to_ascii_lowercase();
    lower.find(MARKER).map(|i| i + MARKER.len())
}

fn check_len(mut token: String) -> Result<String, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        Err(TokenError::TooLong(token.len()))
    } else {
        token.shrink_to_fit();
        Ok(token)
    }
}

/// Accepts text that is only token characters, whitespace line breaks and optional quotes.
fn bare_token(text: &str) -> Result<String, TokenError> {
    let trimmed = text.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if trimmed.is_empty() {
        return Err(TokenError::NotFound);
    }
    let mut joined = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        if is_token_char(c) {
            joined.push(c);
        } else if c == '\n' || c == '\r' || c == ' ' || c == '\t' {
            // Terminal wrapping or indentation inside a pasted token.
        } else {
            return Err(TokenError::NotFound);
        }
    }
    // Words separated by spaces are prose, not a wrapped token: require lines, not words.
    let has_inner_spaces = trimmed
        .lines()
        .any(|line| line.trim().contains([' ', '\t']));
    if has_inner_spaces || joined.len() < MIN_BARE_TOKEN_LEN {
        return Err(TokenError::NotFound);
    }
    check_len(joined)
}

/// The token in a service's status message, only when AWS's marker phrase introduces it (a
/// status message like "Insufficient capacity" holds none).
pub fn encoded_message_in(status_message: Option<&str>) -> Option<String> {
    marked_token(status_message?).map(|(_, token)| token)
}

/// True when the text looks like it holds an encoded token (used to tell users who pass an
/// encoded message where a decoded one is expected).
pub fn contains_token(text: &str) -> bool {
    extract_token(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TOKEN: &str =
        "-Xy9_AbC0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123456789";

    #[test]
    fn finds_token_in_backup_status_message() {
        let msg = format!(
            "You are not authorized to perform this operation. Please consult the permissions associated with your AWS Backup role(s), and refer to the AWS Backup documentation for more details. Encoded authorization failure message: {TOKEN}"
        );
        assert_eq!(extract_token(&msg).unwrap(), TOKEN);
    }

    #[test]
    fn marker_is_case_insensitive_and_token_may_be_followed_by_punctuation() {
        for tail in [".", "\"", "'", " and more text", "\n", ". (Service: Ec2)"] {
            let msg = format!("error: ENCODED AUTHORIZATION FAILURE MESSAGE: {TOKEN}{tail}");
            assert_eq!(extract_token(&msg).unwrap(), TOKEN, "tail {tail:?}");
        }
    }

    #[test]
    fn terraform_and_ec2_shapes() {
        let tf = format!(
            "Error: creating EC2 Instance: operation error EC2: RunInstances, https response error StatusCode: 403, RequestID: abc, api error UnauthorizedOperation: You are not authorized to perform this operation. Encoded authorization failure message: {TOKEN}\n\n  with aws_instance.web,"
        );
        assert_eq!(extract_token(&tf).unwrap(), TOKEN);
        let json = format!(
            "{{\"StatusMessage\": \"... Encoded authorization failure message: {TOKEN}\"}}"
        );
        assert_eq!(extract_token(&json).unwrap(), TOKEN);
    }

    #[test]
    fn bare_token_with_wrapping_is_joined() {
        let wrapped = format!("{}\n{}\n", &TOKEN[..40], &TOKEN[40..]);
        assert_eq!(extract_token(&wrapped).unwrap(), TOKEN);
        assert_eq!(extract_token(&format!("\"{TOKEN}\"")).unwrap(), TOKEN);
    }

    #[test]
    fn prose_and_short_words_are_not_tokens() {
        assert_eq!(extract_token("hello world"), Err(TokenError::NotFound));
        assert_eq!(extract_token("abc"), Err(TokenError::NotFound));
        assert_eq!(extract_token(""), Err(TokenError::NotFound));
        assert_eq!(
            extract_token("{\"allowed\": false}"),
            Err(TokenError::NotFound)
        );
        assert_eq!(
            extract_token("Encoded authorization failure message: ."),
            Err(TokenError::EmptyAfterMarker)
        );
    }

    #[test]
    fn too_long_is_refused() {
        let long = "a".repeat(MAX_TOKEN_LEN + 1);
        assert_eq!(
            extract_token(&format!("Encoded authorization failure message: {long}")),
            Err(TokenError::TooLong(MAX_TOKEN_LEN + 1))
        );
        assert_eq!(
            extract_token(&long),
            Err(TokenError::TooLong(MAX_TOKEN_LEN + 1))
        );
        let max = "a".repeat(MAX_TOKEN_LEN);
        assert_eq!(extract_token(&max).unwrap().len(), MAX_TOKEN_LEN);
    }

    #[test]
    fn token_wrapped_after_the_marker_is_joined() {
        // What a terminal makes of a restore job's status message (`aws backup
        // describe-restore-job` in an 80-column window), LF and CRLF, with indentation.
        for (brk, width) in [("\n", 40), ("\r\n", 33), ("\n    ", 50)] {
            let wrapped: Vec<&str> = TOKEN
                .as_bytes()
                .chunks(width)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            let msg = format!(
                "... for more details. Encoded authorization failure message: {}.\nNext line",
                wrapped.join(brk)
            );
            assert_eq!(extract_token(&msg).unwrap(), TOKEN, "{brk:?} {width}");
        }
        // Prose after a line break is not glued on.
        let prose = format!("Encoded authorization failure message: {TOKEN}\nPlease retry later.");
        assert_eq!(extract_token(&prose).unwrap(), TOKEN);
        let blank = format!("Encoded authorization failure message: {TOKEN}\n\nabc");
        assert_eq!(extract_token(&blank).unwrap(), TOKEN);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        #[test]
        fn finds_a_token_wrapped_at_any_width(
            token in "[A-Za-z0-9_-]{100,1200}",
            width in 32usize..120,
            crlf in any::<bool>(),
            end in "[.\"']|\n\n",
            suffix in any::<String>(),
        ) {
            let chunks: Vec<&str> = token.as_bytes().chunks(width).map(|c| std::str::from_utf8(c).unwrap()).collect();
            let text = format!(
                "Encoded authorization failure message:\n{}{end}{suffix}",
                chunks.join(if crlf { "\r\n" } else { "\n" })
            );
            prop_assert_eq!(extract_token(&text).unwrap(), token);
        }

        #[test]
        fn never_panics(text in any::<String>()) {
            let _ = extract_token(&text);
        }

        #[test]
        fn finds_token_in_arbitrary_text(
            prefix in any::<String>(),
            token in "-?[A-Za-z0-9_-]{1,600}",
            sep in "[.\"' ]|\n[.\"']",
            suffix in any::<String>(),
        ) {
            // The prefix must not itself contain the marker (then the first one wins).
            prop_assume!(!prefix.to_ascii_lowercase().contains(MARKER));
            let text = format!("{prefix}Encoded authorization failure message: {token}{sep}{suffix}");
            prop_assert_eq!(extract_token(&text).unwrap(), token);
        }
    }
}
